package dev.mailpipe.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mailpipe.model.Topics;
import io.fabric8.kubernetes.schema.validator.ValidationMessage;
import io.fabric8.kubernetes.schema.validator.Validator;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.nodepool.ProcessRoles;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every overlay builds, every object validates as strictly as can be done without a cluster, and the
 * manifests agree with the code: the topics of the contract with its size limit, each stage scaled
 * on its own group and input topic and never past its partitions, every reference resolved.
 */
@Tag("unit")
class DeployManifestsTest {
    /** The consuming stages: service, and per input the setting that names its consumer group and the topic, in trigger order. */
    private static final Map<String, List<String[]>> STAGES = Map.of(
            "content-filter", List.<String[]>of(new String[] {"mailpipe.filter.group", Topics.SCAN}),
            "routing-service", List.of(new String[] {"mailpipe.routing.group", Topics.INBOUND},
                    new String[] {"mailpipe.routing.notices.group", Topics.NOTICES}),
            "relay-service", List.<String[]>of(new String[] {"mailpipe.relay.group", Topics.RELAY}),
            "delivery-service", List.<String[]>of(new String[] {"mailpipe.delivery.group", Topics.DELIVERY}));
    private static final Set<String> CORE_GROUPS = Set.of("", "apps", "policy", "autoscaling", "networking.k8s.io", "batch");
    private static final Validator VALIDATOR = Validator.newInstance();

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyObjectIsCheckedAndEveryCoreObjectValidatesStrictly(String overlay) throws Exception {
        Manifests m = Manifests.build(overlay);
        assertFalse(m.objects.isEmpty());
        for (JsonNode o : m.objects) {
            String group = group(o);
            if (CORE_GROUPS.contains(group)) {
                List<String> errors = VALIDATOR.validate(o).getMessages().stream()
                        .filter(v -> v.getLevel() == ValidationMessage.Level.ERROR).map(ValidationMessage::getMessage)
                        .filter(e -> !isIntOrStringGivenAnInt(e)).toList();
                assertTrue(errors.isEmpty(), overlay + ": " + Manifests.name(o) + ": " + errors);
            } else {
                assertTrue(Set.of("kafka.strimzi.io", "keda.sh", "cert-manager.io", "monitoring.coreos.com").contains(group),
                        overlay + ": nothing checks " + Manifests.name(o) + " (" + o.path("apiVersion").asText() + ")");
            }
            assertFalse(o.path("metadata").path("name").asText().isEmpty(), Manifests.name(o));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void strimziObjectsAreV1AndParseThroughStrimzisModel(String overlay) throws Exception {
        Manifests m = Manifests.build(overlay);
        for (JsonNode o : m.objects) {
            if (StrimziModel.isStrimzi(o)) {
                assertEquals("kafka.strimzi.io/v1", o.path("apiVersion").asText(), Manifests.name(o));
                StrimziModel.parse(o);
            }
        }
        Kafka kafka = (Kafka) StrimziModel.parse(only(m.ofKind("Kafka")));
        // v1: the nodes come from node pools, KRaft only.
        assertEquals(null, kafka.getSpec().getKafka().getReplicas(), "replicas belong to the KafkaNodePool");
        assertEquals(null, kafka.getSpec().getKafka().getStorage(), "storage belongs to the KafkaNodePool");
        assertNotNull(kafka.getSpec().getKafkaExporter(), "the lag exporter for the dashboards and alerts");
        KafkaNodePool pool = (KafkaNodePool) StrimziModel.parse(only(m.ofKind("KafkaNodePool")));
        assertEquals(kafka.getMetadata().getName(), pool.getMetadata().getLabels().get("strimzi.io/cluster"));
        assertTrue(pool.getSpec().getRoles().containsAll(List.of(ProcessRoles.CONTROLLER, ProcessRoles.BROKER)));
        int brokers = pool.getSpec().getReplicas();
        Map<String, Object> config = kafka.getSpec().getKafka().getConfig();
        int minIsr = ((Number) config.get("min.insync.replicas")).intValue();
        assertTrue(minIsr <= brokers && ((Number) config.get("default.replication.factor")).intValue() <= brokers, overlay);
        assertEquals(Boolean.FALSE, config.get("auto.create.topics.enable"), "topics come from KafkaTopics only");
        for (JsonNode t : m.ofKind("KafkaTopic")) {
            KafkaTopic topic = (KafkaTopic) StrimziModel.parse(t);
            assertEquals(kafka.getMetadata().getName(), topic.getMetadata().getLabels().get("strimzi.io/cluster"));
            assertTrue(topic.getSpec().getReplicas() <= brokers && topic.getSpec().getReplicas() >= minIsr,
                    overlay + ": " + topic.getSpec().getTopicName() + " replicas " + topic.getSpec().getReplicas());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void theTopicsAreTheContractsWithItsSizeLimit(String overlay) throws Exception {
        Manifests m = Manifests.build(overlay);
        Map<String, KafkaTopic> topics = topics(m);
        List<Topics.Spec> plan = Topics.plan(3);
        assertEquals(plan.stream().map(Topics.Spec::name).collect(Collectors.toSet()), topics.keySet());
        for (Topics.Spec spec : plan) {
            KafkaTopic t = topics.get(spec.name());
            Map<String, Object> config = t.getSpec().getConfig();
            for (var c : spec.configs().entrySet()) {
                assertEquals(c.getValue(), String.valueOf(config.get(c.getKey())), spec.name() + " " + c.getKey());
            }
            if (spec.partitions() == 1) {
                assertEquals(1, t.getSpec().getPartitions(), spec.name() + ": one partition keeps its order");
            }
        }
        assertEquals(String.valueOf(Topics.MAX_RECORD_BYTES), String.valueOf(topics.get(Topics.INBOUND).getSpec()
                .getConfig().get("max.message.bytes")));
        assertEquals("compact", topics.get(Topics.ACCOUNTS).getSpec().getConfig().get("cleanup.policy"));
        if (overlay.equals("prod")) {
            for (String t : List.of(Topics.INBOUND, Topics.DELIVERY, Topics.RELAY, Topics.EVENTS)) {
                assertTrue(topics.get(t).getSpec().getPartitions() >= 12, t + ": room for 12 replicas of its stage");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void eachConsumingStageScalesOnItsOwnGroupAndTopicWithinItsPartitions(String overlay) throws Exception {
        Manifests m = Manifests.build(overlay);
        List<JsonNode> scaled = m.ofKind("ScaledObject");
        String report = KedaSchema.validate(scaled);
        assertEquals(STAGES.size(), report.lines().filter(l -> l.startsWith("valid ")).count(), report);
        Map<String, KafkaTopic> topics = topics(m);
        String bootstrap = m.get("ConfigMap", "mailpipe-env").path("data").path("KAFKA_BOOTSTRAP_SERVERS").asText();
        assertEquals(only(m.ofKind("Kafka")).path("metadata").path("name").asText() + "-kafka-bootstrap:9092", bootstrap);
        Set<String> targets = new HashSet<>();
        for (JsonNode so : scaled) {
            String target = so.path("spec").path("scaleTargetRef").path("name").asText();
            targets.add(target);
            m.get("Deployment", target);
            List<JsonNode> triggers = new java.util.ArrayList<>();
            iterable(so.path("spec").path("triggers")).forEach(triggers::add);
            assertEquals(STAGES.get(target).size(), triggers.size(), target + ": a trigger per input");
            int min = so.path("spec").path("minReplicaCount").asInt(0);
            int max = so.path("spec").path("maxReplicaCount").asInt();
            // A first message must not wait for a pod to start; content-filter's mail has had its 250.
            assertTrue(min >= (target.equals("content-filter") ? 0 : 1), target + ": minReplicaCount " + min);
            for (int i = 0; i < triggers.size(); i++) {
                ServiceSettings settings = ServiceSettings.of(target, STAGES.get(target).get(i)[0], STAGES.get(target).get(i)[1]);
                JsonNode trigger = triggers.get(i);
                assertEquals("kafka", trigger.path("type").asText());
                JsonNode md = trigger.path("metadata");
                md.fields().forEachRemaining(f -> assertTrue(f.getValue().isTextual(), target + ": " + f.getKey() + " must be a string"));
                assertEquals(settings.groupId(), md.path("consumerGroup").asText(), target + ": its own group.id");
                assertEquals(settings.topic(), md.path("topic").asText(), target + ": its own input topic");
                assertEquals(bootstrap, md.path("bootstrapServers").asText());
                assertTrue(Integer.parseInt(md.path("lagThreshold").asText()) > 0);
                assertTrue(Integer.parseInt(md.path("activationLagThreshold").asText()) >= 0);
                int partitions = topics.get(settings.topic()).getSpec().getPartitions();
                assertTrue(max >= min && max <= partitions, target + ": maxReplicaCount " + max + " with " + partitions + " partitions");
            }
            if (overlay.equals("prod")) {
                assertTrue(max >= 12, target + " scales to 12 in prod");
            }
        }
        assertEquals(STAGES.keySet(), targets);
        JsonNode hpa = m.get("HorizontalPodAutoscaler", "smtp-ingress");
        assertEquals("smtp-ingress", hpa.path("spec").path("scaleTargetRef").path("name").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyWorkloadIsProbedStopsGracefullyAndFindsWhatItReferences(String overlay) throws Exception {
        Manifests m = Manifests.build(overlay);
        Set<String> secrets = new HashSet<>(names(m, "Secret"));
        m.ofKind("Certificate").forEach(c -> secrets.add(c.path("spec").path("secretName").asText()));
        // Strimzi's User Operator writes each KafkaUser's password to a Secret of its name.
        m.ofKind("KafkaUser").forEach(u -> secrets.add(u.path("metadata").path("name").asText()));
        String prodNotes = Files.readString(Manifests.KUBERNETES.resolve("overlays/" + overlay + "/kustomization.yaml"));
        for (var match : java.util.regex.Pattern.compile("create secret generic ([a-z0-9-]+)").matcher(prodNotes).results().toList()) {
            secrets.add(match.group(1)); // made by the operator, as the overlay says how
        }
        for (JsonNode c : m.ofKind("Certificate")) {
            JsonNode ref = c.path("spec").path("keystores").path("pkcs12").path("passwordSecretRef").path("name");
            assertTrue(ref.isMissingNode() || secrets.contains(ref.asText()), overlay + ": " + ref);
            JsonNode issuer = c.path("spec").path("issuerRef");
            if (issuer.path("kind").asText().equals("Issuer")) {
                m.get("Issuer", issuer.path("name").asText());
            }
        }
        Set<String> configMaps = new HashSet<>(names(m, "ConfigMap"));
        Set<String> claims = new HashSet<>(names(m, "PersistentVolumeClaim"));
        for (JsonNode d : m.ofKind("Deployment")) {
            String name = d.path("metadata").path("name").asText();
            JsonNode pod = d.path("spec").path("template").path("spec");
            assertTrue(pod.path("terminationGracePeriodSeconds").asInt() >= 30, name);
            for (JsonNode c : iterable(pod.path("containers"))) {
                Set<String> ports = new HashSet<>();
                iterable(c.path("ports")).forEach(p -> ports.add(p.path("name").asText()));
                for (String probe : List.of("livenessProbe", "readinessProbe")) {
                    JsonNode p = c.path(probe);
                    JsonNode port = p.has("httpGet") ? p.path("httpGet").path("port") : p.path("tcpSocket").path("port");
                    assertTrue(ports.contains(port.asText()), name + " " + probe + " on " + port);
                }
                assertFalse(c.path("resources").path("requests").isMissingNode(), name + " requests resources");
                for (JsonNode e : iterable(c.path("env"))) {
                    JsonNode ref = e.path("valueFrom").path("secretKeyRef").path("name");
                    assertTrue(ref.isMissingNode() || secrets.contains(ref.asText()), name + " secret " + ref);
                }
                for (JsonNode e : iterable(c.path("envFrom"))) {
                    assertTrue(configMaps.contains(e.path("configMapRef").path("name").asText()), name + " " + e);
                }
            }
            if (!Set.of("dovecot", "postgrey", "rspamd", "clamav").contains(name)) { // the Debian daemons: no Quarkus health
                assertTrue(pod.path("containers").path(0).path("lifecycle").path("preStop").has("sleep"), name + " preStop");
                assertEquals("/q/health/ready", pod.path("containers").path(0).path("readinessProbe").path("httpGet")
                        .path("path").asText(), name + ": readiness from SmallRye Health, Kafka included");
            }
            for (JsonNode v : iterable(pod.path("volumes"))) {
                if (v.has("secret")) {
                    assertTrue(secrets.contains(v.path("secret").path("secretName").asText()), name + " " + v);
                } else if (v.has("configMap")) {
                    assertTrue(configMaps.contains(v.path("configMap").path("name").asText()), name + " " + v);
                } else if (v.has("persistentVolumeClaim")) {
                    assertTrue(claims.contains(v.path("persistentVolumeClaim").path("claimName").asText()), name + " " + v);
                }
            }
        }
        assertEquals("ReadWriteMany", m.get("PersistentVolumeClaim", "maildir").path("spec").path("accessModes").path(0).asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void servicesBudgetsAndPoliciesSelectRealPodsAndPorts(String overlay) throws Exception {
        Manifests m = Manifests.build(overlay);
        for (String kind : List.of("Service", "PodDisruptionBudget", "NetworkPolicy")) {
            for (JsonNode o : m.ofKind(kind)) {
                JsonNode selector = kind.equals("Service") ? o.path("spec").path("selector")
                        : o.path("spec").path(kind.equals("NetworkPolicy") ? "podSelector" : "selector").path("matchLabels");
                List<JsonNode> pods = selected(m, selector);
                assertFalse(pods.isEmpty(), overlay + ": " + Manifests.name(o) + " selects no pod");
                Set<String> names = new HashSet<>();
                Set<Integer> numbers = new HashSet<>();
                for (JsonNode pod : pods) {
                    for (JsonNode c : iterable(pod.path("spec").path("containers"))) {
                        iterable(c.path("ports")).forEach(p -> {
                            names.add(p.path("name").asText());
                            numbers.add(p.path("containerPort").asInt());
                        });
                    }
                }
                if (kind.equals("Service")) {
                    for (JsonNode p : iterable(o.path("spec").path("ports"))) {
                        assertTrue(names.contains(p.path("targetPort").asText()), Manifests.name(o) + " " + p);
                    }
                } else if (kind.equals("NetworkPolicy")) {
                    for (JsonNode rule : iterable(o.path("spec").path("ingress"))) {
                        for (JsonNode p : iterable(rule.path("ports"))) {
                            assertTrue(numbers.contains(p.path("port").asInt()), Manifests.name(o) + " " + p);
                        }
                    }
                }
            }
        }
        JsonNode smtp = m.get("Service", "smtp-ingress");
        assertEquals("LoadBalancer", smtp.path("spec").path("type").asText());
        assertEquals("Local", smtp.path("spec").path("externalTrafficPolicy").asText(), "client addresses kept");
        assertEquals(Set.of(25, 587), StreamSupport.stream(smtp.path("spec").path("ports").spliterator(), false)
                .map(p -> p.path("port").asInt()).collect(Collectors.toSet()));
        JsonNode deny = m.get("NetworkPolicy", "default-deny-ingress");
        assertTrue(deny.path("spec").path("podSelector").isEmpty() && deny.path("spec").path("ingress").isMissingNode());
        JsonNode monitor = only(m.ofKind("ServiceMonitor"));
        List<JsonNode> scraped = m.ofKind("Service").stream().filter(s -> matches(monitor.path("spec").path("selector")
                .path("matchLabels"), s.path("metadata").path("labels"))).toList();
        Set<String> services = scraped.stream().map(s -> s.path("spec").path("selector").path("app.kubernetes.io/name").asText())
                .collect(Collectors.toSet());
        assertEquals(Set.of("smtp-ingress", "content-filter", "routing-service", "relay-service", "delivery-service", "queue-manager"),
                services);
    }

    /** Every service whose code talks to Kafka, each its own KafkaUser. */
    private static final List<String> KAFKA_CLIENTS = List.of("smtp-ingress", "content-filter", "routing-service", "relay-service",
            "delivery-service", "queue-manager");

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void eachServiceLogsInAsItsOwnUserAllowedOnlyTheTopicsItsCodeNames(String overlay) throws Exception {
        Manifests m = Manifests.build(overlay);
        JsonNode listener = only(m.ofKind("Kafka")).path("spec").path("kafka").path("listeners").path(0);
        assertEquals("scram-sha-512", listener.path("authentication").path("type").asText(), "no client without a login");
        assertEquals("simple", only(m.ofKind("Kafka")).path("spec").path("kafka").path("authorization").path("type").asText());
        Set<String> users = new HashSet<>();
        m.ofKind("KafkaUser").forEach(u -> users.add(u.path("metadata").path("name").asText()));
        assertEquals(Set.of("smtp-ingress", "content-filter", "routing-service", "relay-service", "delivery-service", "queue-manager",
                "keda"), users,
                "Dovecot has no Kafka access at all");
        for (String service : KAFKA_CLIENTS) {
            io.strimzi.api.kafka.model.user.KafkaUser user = (io.strimzi.api.kafka.model.user.KafkaUser)
                    StrimziModel.parse(m.get("KafkaUser", service));
            var acls = ((io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple) user.getSpec().getAuthorization()).getAcls();
            Set<String> named = TopicsInCode.of(service);
            if (service.equals("queue-manager")) {
                // It replays dead letters, each to the input of the stage that dead-lettered it.
                named.addAll(Set.of(Topics.INBOUND, Topics.NOTICES, Topics.RELAY, Topics.DELIVERY));
            }
            List<String> topicGrants = new java.util.ArrayList<>();
            for (var acl : acls) {
                if (acl.getResource() instanceof io.strimzi.api.kafka.model.user.acl.AclRuleTopicResource t) {
                    String grant = t.getName() + (t.getPatternType() == io.strimzi.api.kafka.model.user.acl.AclResourcePatternType.PREFIX ? "*" : "");
                    topicGrants.add(grant);
                    assertTrue(named.stream().anyMatch(n -> covers(grant, n)), overlay + ": " + service + " may use " + grant
                            + ", which its code never names (" + named + ")");
                    boolean writes = acl.getOperations().stream().anyMatch(o -> o.toValue().equals("Write"));
                    if (writes && t.getName().equals(Topics.ACCOUNTS)) {
                        assertEquals("delivery-service", service, "only the registry's owner writes mail.accounts");
                    }
                }
            }
            for (String topic : named) {
                assertTrue(topicGrants.stream().anyMatch(g -> covers(g, topic)), overlay + ": " + service + "'s code uses " + topic
                        + ", which its KafkaUser does not allow " + topicGrants);
            }
            JsonNode container = m.get("Deployment", service).path("spec").path("template").path("spec").path("containers").path(0);
            assertTrue(StreamSupport.stream(container.path("env").spliterator(), false).anyMatch(e ->
                    e.path("name").asText().equals("KAFKA_SASL_JAAS_CONFIG")
                            && e.path("valueFrom").path("secretKeyRef").path("name").asText().equals(service)),
                    overlay + ": " + service + " logs in as itself");
        }
        JsonNode dovecot = m.get("Deployment", "dovecot").path("spec").path("template").path("spec");
        assertFalse(dovecot.toString().contains("KAFKA"), "Dovecot gets no Kafka settings");
        List<JsonNode> keda = new java.util.ArrayList<>(m.ofKind("ScaledObject"));
        keda.addAll(m.ofKind("TriggerAuthentication"));
        KedaSchema.validate(keda);
        // The ServiceMonitor and PrometheusRule against prometheus-operator's schema.
        List<JsonNode> monitoring = new java.util.ArrayList<>(m.ofKind("ServiceMonitor"));
        monitoring.addAll(m.ofKind("PrometheusRule"));
        assertEquals(2, monitoring.size(), "a ServiceMonitor and a PrometheusRule");
        String report = KedaSchema.validate(monitoring);
        assertEquals(2, report.lines().filter(l -> l.startsWith("valid ")).count(), report);
    }

    /** Whether an ACL's topic ({@code name}, or {@code prefix*}) covers a topic the code names (a tier prefix counts as one name). */
    private static boolean covers(String grant, String topic) {
        return grant.endsWith("*") ? topic.startsWith(grant.substring(0, grant.length() - 1)) : grant.equals(topic);
    }

    /** The mail ports strangers may reach: SMTP, submission, IMAP(S), POP3(S). Nothing else is for everyone. */
    private static final Set<Integer> PUBLIC_PORTS = Set.of(2525, 2587, 143, 993, 110, 995);

    /** The door's policy server names a Service on a port its pods serve, and the ingress may reach it. */
    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void theDoorsPolicyServerIsAServiceTheIngressMayReach(String overlay) throws Exception {
        Manifests m = Manifests.build(overlay);
        String service = m.get("ConfigMap", "mailpipe-door").path("data").path("MAILPIPE_INGRESS_DOOR_POLICY_SERVICE").asText();
        String[] hostPort = service.split(":");
        JsonNode svc = m.get("Service", hostPort[0]);
        int port = Integer.parseInt(hostPort[1]);
        assertTrue(java.util.stream.StreamSupport.stream(svc.path("spec").path("ports").spliterator(), false).anyMatch(p -> p.path("port").asInt() == port),
                overlay + ": " + service);
        JsonNode policy = m.get("NetworkPolicy", "postgrey-from-ingress");
        JsonNode rule = policy.path("spec").path("ingress").path(0);
        assertEquals("smtp-ingress", rule.path("from").path(0).path("podSelector").path("matchLabels")
                .path("app.kubernetes.io/name").asText());
        assertEquals(port, rule.path("ports").path(0).path("port").asInt());
        JsonNode ingress = m.get("Deployment", "smtp-ingress").path("spec").path("template").path("spec").path("containers").path(0);
        assertTrue(java.util.stream.StreamSupport.stream(ingress.path("envFrom").spliterator(), false).anyMatch(e -> e.path("configMapRef").path("name").asText()
                .equals("mailpipe-door")), overlay + ": the ingress reads the door's settings");
    }

    /** The ingress's content filter is a Service it may reach, and clamd one only rspamd may reach. */
    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void theContentFilterChainIsReachableOnlyAlongItself(String overlay) throws Exception {
        Manifests m = Manifests.build(overlay);
        java.net.URI url = java.net.URI.create(m.get("ConfigMap", "mailpipe-door").path("data")
                .path("MAILPIPE_INGRESS_RSPAMD_URL").asText());
        JsonNode rspamd = m.get("Service", url.getHost());
        assertEquals(url.getPort(), rspamd.path("spec").path("ports").path(0).path("port").asInt(), overlay);
        assertEquals("smtp-ingress", m.get("NetworkPolicy", "rspamd-from-ingress").path("spec").path("ingress").path(0)
                .path("from").path(0).path("podSelector").path("matchLabels").path("app.kubernetes.io/name").asText());
        String antivirus = Files.readString(Manifests.KUBERNETES.resolve("base/filter/local.d/antivirus.conf"));
        JsonNode clamav = m.get("Service", "clamav");
        assertTrue(antivirus.contains("servers = \"clamav:" + clamav.path("spec").path("ports").path(0).path("port").asInt()
                + "\""), antivirus);
        assertEquals("rspamd", m.get("NetworkPolicy", "clamav-from-rspamd").path("spec").path("ingress").path(0)
                .path("from").path(0).path("podSelector").path("matchLabels").path("app.kubernetes.io/name").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void onlyMailPortsAreOpenToEverySourceAndThePortThatBelievesItsPeerIsNot(String overlay) throws Exception {
        Manifests m = Manifests.build(overlay);
        Set<Integer> open = new HashSet<>();
        for (JsonNode policy : m.ofKind("NetworkPolicy")) {
            for (JsonNode rule : iterable(policy.path("spec").path("ingress"))) {
                boolean fromAnyone = rule.path("from").isMissingNode() || rule.path("from").isEmpty()
                        || StreamSupport.stream(rule.path("from").spliterator(), false)
                                .anyMatch(f -> f.path("ipBlock").path("cidr").asText().matches("0\\.0\\.0\\.0/0|::/0"));
                if (fromAnyone) {
                    assertFalse(rule.path("ports").isMissingNode() || rule.path("ports").isEmpty(),
                            overlay + ": " + Manifests.name(policy) + " opens every port to every source");
                    iterable(rule.path("ports")).forEach(p -> open.add(p.path("port").asInt()));
                }
            }
        }
        Set<Integer> notMail = new HashSet<>(open);
        notMail.removeAll(PUBLIC_PORTS);
        assertTrue(notMail.isEmpty(), overlay + ": open to every source: " + notMail);
        assertFalse(open.contains(2526), overlay + ": the PROXY port believes its peer: only the proxy may reach it");
        JsonNode config = m.get("ConfigMap", "mailpipe-env").path("data");
        assertFalse(config.path("MAILPIPE_INGRESS_PROXY_TRUSTED_NETWORKS").asText().isBlank(),
                overlay + ": the ingress does not start with a PROXY port and no trusted proxies");
    }

    /**
     * Kubernetes' IntOrString fields take a number or a string (a PDB's {@code maxUnavailable: 1},
     * a NetworkPolicy's {@code port: 2525}); fabric8's schema types them as strings only, so an
     * integer there is no error. Anything else about the same path still is.
     */
    private static boolean isIntOrStringGivenAnInt(String error) {
        return error.matches("\\[Path '[^']*/(maxUnavailable|minAvailable|port|targetPort)'\\] Instance type \\(integer\\)"
                + " does not match any allowed primitive type \\(allowed: \\[\"string\"\\]\\)");
    }

    private static List<JsonNode> selected(Manifests m, JsonNode matchLabels) {
        return m.ofKind("Deployment").stream().map(d -> d.path("spec").path("template"))
                .filter(t -> matches(matchLabels, t.path("metadata").path("labels"))).toList();
    }

    private static boolean matches(JsonNode selector, JsonNode labels) {
        Map<String, String> want = new HashMap<>();
        selector.fields().forEachRemaining(f -> want.put(f.getKey(), f.getValue().asText()));
        return want.entrySet().stream().allMatch(e -> e.getValue().equals(labels.path(e.getKey()).asText(null)));
    }

    private static Map<String, KafkaTopic> topics(Manifests m) throws Exception {
        Map<String, KafkaTopic> topics = new HashMap<>();
        for (JsonNode t : m.ofKind("KafkaTopic")) {
            KafkaTopic topic = (KafkaTopic) StrimziModel.parse(t);
            topics.put(topic.getSpec().getTopicName(), topic);
        }
        return topics;
    }

    private static List<String> names(Manifests m, String kind) {
        return m.ofKind(kind).stream().map(o -> o.path("metadata").path("name").asText()).toList();
    }

    private static String group(JsonNode o) {
        String apiVersion = o.path("apiVersion").asText();
        return apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    }

    private static Iterable<JsonNode> iterable(JsonNode array) {
        return array::elements;
    }

    private static <T> T only(Iterable<T> items) {
        List<T> list = StreamSupport.stream(items.spliterator(), false).toList();
        assertEquals(1, list.size(), "exactly one: " + list);
        return list.get(0);
    }
}
