#!/usr/bin/env python3
"""Exports metrics to a faasight collector with the real OpenTelemetry
Python SDK, over OTLP/HTTP (protobuf) or OTLP/gRPC.

Usage: otlp_metrics.py http|grpc ENDPOINT TOKEN

Records known values on instruments of service `metrics-<transport>`,
collects them once through the SDK's aggregation and sends them with the
SDK's OTLP exporter (authenticated with TOKEN), and exits 1 unless the
export succeeded. The test then reads the points back from ClickHouse and
compares them with the values written out by hand in tests/e2e/otlp_metrics.rs:

- counter `faasight.test.requests` ({request}): 3 and 4 with route=/a, 5
  with route=/b;
- up-down counter `faasight.test.queue` ({item}): +10, -3;
- gauge `faasight.test.temperature` (Cel): 42.5 then 40.25, pool=main;
- histogram `faasight.test.duration` (ms), bounds 10, 100, 1000: 5, 50,
  50, 500, 5000 with route=/a;
- exponential histogram `faasight.test.size` (By): 1, 2, 4.

Over HTTP every instrument is cumulative (the SDK's default); over gRPC
the counter and the histograms are delta.
"""
import sys

from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    MeterProvider,
    UpDownCounter,
)
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    InMemoryMetricReader,
    MetricExportResult,
)
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource


def exporter(transport, endpoint, token):
    if transport == "http":
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        return OTLPMetricExporter(
            endpoint=f"{endpoint}/v1/metrics", headers={"authorization": f"Bearer {token}"}
        )
    from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter

    return OTLPMetricExporter(
        endpoint=endpoint, insecure=True, headers=(("authorization", f"Bearer {token}"),)
    )


def main():
    transport, endpoint, token = sys.argv[1], sys.argv[2], sys.argv[3]
    if transport == "grpc":
        temporality = {
            Counter: AggregationTemporality.DELTA,
            Histogram: AggregationTemporality.DELTA,
        }
    else:
        temporality = {}
    reader = InMemoryMetricReader(preferred_temporality=temporality)
    provider = MeterProvider(
        resource=Resource.create({"service.name": f"metrics-{transport}", "faas.name": "checkout"}),
        metric_readers=[reader],
        views=[
            View(
                instrument_name="faasight.test.size",
                aggregation=ExponentialBucketHistogramAggregation(),
            )
        ],
    )
    meter = provider.get_meter("faasight-test-meter", "0.1")

    requests = meter.create_counter("faasight.test.requests", unit="{request}", description="Requests handled")
    requests.add(3, {"route": "/a"})
    requests.add(4, {"route": "/a"})
    requests.add(5, {"route": "/b"})

    queue = meter.create_up_down_counter("faasight.test.queue", unit="{item}", description="Items queued")
    queue.add(10)
    queue.add(-3)

    temperature = meter.create_gauge("faasight.test.temperature", unit="Cel", description="Temperature")
    temperature.set(42.5, {"pool": "main"})
    temperature.set(40.25, {"pool": "main"})

    duration = meter.create_histogram(
        "faasight.test.duration",
        unit="ms",
        description="Request duration",
        explicit_bucket_boundaries_advisory=[10.0, 100.0, 1000.0],
    )
    for v in (5, 50, 50, 500, 5000):
        duration.record(v, {"route": "/a"})

    size = meter.create_histogram("faasight.test.size", unit="By", description="Payload size")
    for v in (1, 2, 4):
        size.record(v)

    data = reader.get_metrics_data()
    points = sum(
        len(m.data.data_points)
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
    )
    result = exporter(transport, endpoint, token).export(data)
    provider.shutdown()
    if result != MetricExportResult.SUCCESS or points != 6:
        print(f"export over {transport} failed: {result}, {points} points")
        sys.exit(1)
    print(f"exported {points} data points over {transport}")


if __name__ == "__main__":
    main()
