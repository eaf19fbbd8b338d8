#!/bin/bash
# Creates every topic of the contract (mailpipe-model's Topics.plan; a test keeps this list equal)
# on compose's broker, once, before the services start. Mail topics carry the one size limit:
# 25 MiB of message plus 2 MiB of envelope and headers.
set -euo pipefail
kafka=${KAFKA_BOOTSTRAP_SERVERS:-kafka:9092}
partitions=${MAILPIPE_PARTITIONS:-3}
mail="--config max.message.bytes=28311552"

create() {
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$kafka" --create --if-not-exists --topic "$@"
}

create mail.inbound --partitions "$partitions" $mail
create mail.scan --partitions "$partitions" $mail
create mail.notices --partitions "$partitions" $mail
create mail.delivery --partitions "$partitions" $mail
create mail.relay --partitions "$partitions" $mail
for tier in 1 2 3 4 5; do
  create "mail.retry.$tier" --partitions "$partitions" $mail
done
create mail.events --partitions "$partitions"
create mail.dead-letter --partitions 1 $mail
create mail.accounts --partitions 1 --config cleanup.policy=compact
create mail.suppressed --partitions 1 --config cleanup.policy=compact
create mail.destinations --partitions 1 --config cleanup.policy=compact
echo "topics ready"
