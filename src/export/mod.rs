//! What the field's tools read: traces as OpenTelemetry JSON (OTLP/JSON, which
//! Jaeger and the OpenTelemetry Collector load) and a Prometheus text-format
//! snapshot of a run's metrics. Per-window series are in [`crate::report`]
//! (`to_json` carries them in `windows`, `write_csv` one row per window).

pub mod otlp;
pub mod prometheus;
