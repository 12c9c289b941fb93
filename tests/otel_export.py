#!/usr/bin/env python3
"""Exports FaaS spans and logs to a faasight collector with the real
OpenTelemetry Python SDK, over OTLP/HTTP (protobuf) or OTLP/gRPC.

Usage: otel_export.py http|grpc ENDPOINT RUN_ID
Creates three SERVER spans of function `otel-<transport>` (one cold start,
one error) and two log records, exports them synchronously, and exits 1 if
the exporter reports a failure. The test then looks for the rows in
ClickHouse.
"""
import logging
import sys

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode


def exporters(transport, endpoint):
    if transport == "http":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

        return OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces"), OTLPLogExporter(endpoint=f"{endpoint}/v1/logs")
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter

    return OTLPSpanExporter(endpoint=endpoint, insecure=True), OTLPLogExporter(endpoint=endpoint, insecure=True)


class Checked:
    """Wraps an exporter and remembers whether every export succeeded."""

    def __init__(self, inner):
        self.inner, self.ok, self.calls = inner, True, 0

    def export(self, batch):
        result = self.inner.export(batch)
        self.calls += 1
        ok = result in (SpanExportResult.SUCCESS,) or getattr(result, "name", "") == "SUCCESS"
        self.ok = self.ok and ok
        return result

    def shutdown(self):
        return self.inner.shutdown()

    def force_flush(self, timeout_millis=30000):
        return True


def main():
    transport, endpoint, run_id = sys.argv[1], sys.argv[2], sys.argv[3]
    function = f"otel-{transport}"
    resource = Resource.create({
        "service.name": function,
        "faas.name": function,
        "faas.version": "12",
        "faas.instance": f"2026/02/01/[12]{run_id}",
        "faas.max_memory": 268435456,
        "cloud.provider": "aws",
        "cloud.platform": "aws_lambda",
        "cloud.region": "eu-central-1",
        "cloud.account.id": "123456789012",
    })
    span_exporter, log_exporter = exporters(transport, endpoint)
    spans, logs = Checked(span_exporter), Checked(log_exporter)
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(SimpleSpanProcessor(spans))
    tracer = provider.get_tracer("faasight-test")

    log_provider = LoggerProvider(resource=resource)
    log_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    logger = logging.getLogger(function)
    logger.setLevel(logging.INFO)
    logger.addHandler(LoggingHandler(level=logging.INFO, logger_provider=log_provider))

    for i, (cold, failed) in enumerate([(True, False), (False, False), (False, True)]):
        with tracer.start_as_current_span(f"{function} handler", kind=SpanKind.SERVER) as span:
            span.set_attribute("faas.invocation_id", f"{run_id}-{i}")
            span.set_attribute("faas.trigger", "http")
            span.set_attribute("faas.coldstart", cold)
            if i == 0:
                logger.info("handling request %s", f"{run_id}-{i}")
            if failed:
                try:
                    raise ValueError("bad order id")
                except ValueError as e:
                    span.record_exception(e)
                    span.set_status(Status(StatusCode.ERROR, "bad order id"))
                    logger.error("request failed: %s", e)
    provider.shutdown()
    log_provider.shutdown()
    if not (spans.ok and logs.ok and spans.calls >= 3 and logs.calls >= 2):
        print(f"export failed: spans ok={spans.ok} calls={spans.calls}, logs ok={logs.ok} calls={logs.calls}")
        sys.exit(1)
    print(f"exported {spans.calls} span batches and {logs.calls} log batches over {transport}")


if __name__ == "__main__":
    main()
