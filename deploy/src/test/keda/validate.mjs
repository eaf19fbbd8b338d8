// Reads a JSON array of KEDA objects on stdin and validates each against KEDA's own schema
// (@kubernetes-models/keda, generated from KEDA's CRDs). Prints one line per object; exits 1 if
// any is invalid.
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication";

const kinds = { ScaledObject, TriggerAuthentication };

let input = "";
for await (const chunk of process.stdin) input += chunk;
let failed = false;
for (const object of JSON.parse(input)) {
  const name = object?.metadata?.name;
  try {
    const Kind = kinds[object.kind];
    if (!Kind) throw new Error("not a ScaledObject or TriggerAuthentication: " + object.kind);
    new Kind(object).validate();
    console.log(`valid ${name}`);
  } catch (e) {
    failed = true;
    console.log(`invalid ${name}: ${e.message} ${JSON.stringify(e.errors ?? [])}`);
  }
}
process.exit(failed ? 1 : 0);
