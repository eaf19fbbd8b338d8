// Reads a JSON array of KEDA and prometheus-operator objects on stdin and validates each against
// its operator's own schema (@kubernetes-models/keda and /prometheus-operator, generated from the
// CRDs). Prints one line per object; exits 1 if any is invalid.
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";

const kinds = { ScaledObject, TriggerAuthentication, ServiceMonitor, PrometheusRule };

let input = "";
for await (const chunk of process.stdin) input += chunk;
let failed = false;
for (const object of JSON.parse(input)) {
  const name = object?.metadata?.name;
  try {
    const Kind = kinds[object.kind];
    if (!Kind) throw new Error("no schema here for " + object.kind);
    new Kind(object).validate();
    console.log(`valid ${name}`);
  } catch (e) {
    failed = true;
    console.log(`invalid ${name}: ${e.message} ${JSON.stringify(e.errors ?? [])}`);
  }
}
process.exit(failed ? 1 : 0);
