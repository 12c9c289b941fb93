#!/usr/bin/env python3
"""Sends the traces of the insights test with the real OpenTelemetry Python
SDK over OTLP/HTTP (protobuf), one tracer provider per function, with
explicit span times (nothing sleeps) and the W3C trace context propagated
from a caller's CLIENT span to its callee's SERVER span.

Usage: insights_traces.py ENDPOINT START_MS NDJSON_OUT

From START_MS (epoch ms), one request every 10 s per function:
- checkout (1,024 MB) invokes payment synchronously, 20 times: the call
  lasts 200 ms and payment's span ends inside it.
- orders invokes mailer asynchronously (invocation type Event), 20 times:
  the call lasts 20 ms, mailer runs on after it.
- notifier sends 5 e-mails one after another (100 ms each) in a 520 ms
  request, 12 times; batcher sends 5 at once in a 120 ms request, 12 times.
- media (2,048 MB, identified by service.name, as AWS's layer names it)
  serves GET /media/{id} (40 ms) and POST /render (2,500 ms), 40 times
  each. Its invocations, with the memory they used (200 MB and 1,500 MB,
  as Lambda REPORT lines give it), are written to NDJSON_OUT for import.
Exits 1 if an export failed.
"""
import json
import sys

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.trace import SpanKind

ACCOUNT, REGION = "210987654321", "us-east-1"
MS = 1_000_000


class Checked:
    """Wraps an exporter and remembers whether every export succeeded."""

    def __init__(self, inner):
        self.inner, self.ok = inner, True

    def export(self, batch):
        result = self.inner.export(batch)
        self.ok = self.ok and result == SpanExportResult.SUCCESS
        return result

    def shutdown(self):
        return self.inner.shutdown()

    def force_flush(self, timeout_millis=30000):
        return True


def provider(endpoint, name, memory_mb, faas_name=True):
    attributes = {
        "service.name": name,
        "cloud.provider": "aws",
        "cloud.platform": "aws_lambda",
        "cloud.region": REGION,
        "cloud.account.id": ACCOUNT,
        "faas.max_memory": memory_mb * 1024 * 1024,
    }
    if faas_name:
        attributes["faas.name"] = name
    exporter = Checked(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces"))
    tp = TracerProvider(resource=Resource.create(attributes))
    tp.add_span_processor(SimpleSpanProcessor(exporter))
    return tp, exporter


def server(tracer, name, request_id, start, context=None, route=None):
    attributes = {"faas.invocation_id": request_id, "faas.trigger": "http"}
    if route:
        attributes["http.route"] = route
    return tracer.start_span(
        name, context=context, kind=SpanKind.SERVER, start_time=start, attributes=attributes
    )


def client(tracer, parent, name, start, attributes):
    return tracer.start_span(
        name,
        context=trace.set_span_in_context(parent),
        kind=SpanKind.CLIENT,
        start_time=start,
        attributes=attributes,
    )


def invoke(tracer, parent, callee, start, invocation_type=None):
    """The AWS SDK's Lambda.Invoke span, and the context it propagates."""
    attributes = {
        "rpc.system": "aws-api",
        "rpc.service": "Lambda",
        "rpc.method": "Invoke",
        "faas.invoked_name": callee,
        "faas.invoked_provider": "aws",
        "faas.invoked_region": REGION,
    }
    if invocation_type:
        attributes["aws.lambda.invocation_type"] = invocation_type
    span = client(tracer, parent, "Lambda.Invoke", start, attributes)
    carrier = {}
    inject(carrier, context=trace.set_span_in_context(span))
    return span, extract(carrier)


def send_mail(tracer, parent, start, end):
    attributes = {"http.request.method": "POST", "server.address": "api.sendgrid.com"}
    client(tracer, parent, "POST api.sendgrid.com", start, attributes).end(end_time=end)


def main():
    endpoint, start_ms, ndjson_out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    t0 = start_ms * MS
    providers = {}

    def tracer(name, memory_mb, faas_name=True):
        if name not in providers:
            providers[name] = provider(endpoint, name, memory_mb, faas_name)
        return providers[name][0].get_tracer("faasight-insights-test")

    checkout, payment = tracer("checkout", 1024), tracer("payment", 512)
    orders, mailer = tracer("orders", 256), tracer("mailer", 256)
    notifier, batcher = tracer("notifier", 256), tracer("batcher", 256)
    media = tracer("media", 2048, faas_name=False)

    for i in range(20):
        t = t0 + i * 10_000 * MS
        root = server(checkout, "POST /checkout", f"checkout-{i}", t)
        call, ctx = invoke(checkout, root, "payment", t + 50 * MS)
        server(payment, "payment", f"payment-{i}", t + 60 * MS, ctx).end(end_time=t + 240 * MS)
        call.end(end_time=t + 250 * MS)
        root.end(end_time=t + 300 * MS)

        root = server(orders, "POST /orders", f"orders-{i}", t)
        call, ctx = invoke(orders, root, "mailer", t + 10 * MS, "Event")
        call.end(end_time=t + 30 * MS)
        server(mailer, "mailer", f"mailer-{i}", t + 40 * MS, ctx).end(end_time=t + 500 * MS)
        root.end(end_time=t + 100 * MS)

    for i in range(12):
        t = t0 + i * 10_000 * MS
        root = server(notifier, "POST /notify", f"notifier-{i}", t)
        for k in range(5):
            s = t + (10 + 100 * k) * MS
            send_mail(notifier, root, s, s + 100 * MS)
        root.end(end_time=t + 520 * MS)

        root = server(batcher, "POST /notify-all", f"batcher-{i}", t)
        for k in range(5):
            send_mail(batcher, root, t + 10 * MS, t + 110 * MS)
        root.end(end_time=t + 120 * MS)

    invocations = []
    for i in range(80):
        t = t0 + i * 10_000 * MS
        heavy = i % 2 == 1
        route, duration, used = ("POST /render", 2500, 1500) if heavy else ("GET /media/{id}", 40, 200)
        request_id = f"media-{i}"
        server(media, route, request_id, t, route=route).end(end_time=t + duration * MS)
        invocations.append({
            "provider": "aws_lambda",
            "account": ACCOUNT,
            "region": REGION,
            "function": "media",
            "arch": "x86_64",
            "runtime": "python3.12",
            "memory_mb": 2048,
            "max_memory_used_mb": used,
            "request_id": request_id,
            "start_time_ms": t // MS,
            "duration_ms": duration,
            "billed_duration_ms": duration,
            "status": "success",
        })

    ok = True
    for name, (tp, exporter) in providers.items():
        tp.shutdown()
        ok = ok and exporter.ok
    with open(ndjson_out, "w") as f:
        for row in invocations:
            f.write(json.dumps(row) + "\n")
    if not ok:
        print("an export failed")
        sys.exit(1)
    print(f"exported the traces of {len(providers)} functions")


if __name__ == "__main__":
    main()
