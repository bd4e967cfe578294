//! Writing service versions and rollout actions back (see `sim::deploy`).

use super::{Doc, Fields, Writer, atom, dur, list, num, quote, same_f64, structure, tuple};
use crate::sim::config::NodeId;
use crate::sim::deploy::{BASE_VERSION, CanaryConfig, VersionConfig, Versions};

impl Writer<'_> {
    /// Adds a service's `version:` and `versions:` when they are not the default.
    pub(super) fn versions(&self, v: &Versions, f: &mut Fields) {
        if v.base != BASE_VERSION {
            f.add("version", atom(quote(&v.base)));
        }
        if !v.others.is_empty() {
            f.add(
                "versions",
                list(v.others.iter().map(|o| self.version(o)).collect()),
            );
        }
    }

    fn version(&self, v: &VersionConfig) -> Doc {
        let mut f = Fields::default();
        f.add("name", atom(quote(&v.name)));
        if !same_f64(v.error_rate, 0.0) {
            f.add("error_rate", atom(num(v.error_rate)));
        }
        f.opt("work", v.work.as_ref().map(|d| self.dist(d)));
        f.opt(
            "extra_latency",
            v.extra_latency.as_ref().map(|d| self.dist(d)),
        );
        if v.format != 1 {
            f.add("format", atom(v.format.to_string()));
        }
        if v.reads != v.format {
            f.add("reads", atom(v.reads.to_string()));
        }
        structure("Version", f)
    }

    /// The name of version `version` of `service`, quoted.
    fn version_name(&self, service: NodeId, version: usize) -> Doc {
        let name = match self.config.nodes.get(service.index()).map(|n| &n.kind) {
            Some(crate::sim::config::NodeKind::Service(s)) => s.versions.name(version).to_string(),
            _ => "?".to_string(),
        };
        atom(quote(&name))
    }

    /// `Canary(...)`.
    pub(super) fn canary(&self, service: NodeId, c: &CanaryConfig) -> Doc {
        let mut f = Fields::default();
        f.add("service", self.name(service));
        f.add("version", self.version_name(service, c.version));
        f.add(
            "steps",
            list(c.steps.iter().map(|s| atom(num(*s))).collect()),
        );
        f.add("step_every", dur(c.step_every));
        let b = &c.rollback_if;
        if b.error_rate.is_some() || b.p99.is_some() {
            let mut r = Fields::default();
            r.opt("error_rate", b.error_rate.map(|p| atom(num(p))));
            r.opt("p99", b.p99.map(dur));
            f.add("rollback_if", structure("RollbackIf", r));
        }
        structure("Canary", f)
    }

    /// `BlueGreen(...)`.
    pub(super) fn blue_green(&self, service: NodeId, version: usize) -> Doc {
        let mut f = Fields::default();
        f.add("service", self.name(service));
        f.add("version", self.version_name(service, version));
        structure("BlueGreen", f)
    }

    /// `Rollback("service")`.
    pub(super) fn rollback(&self, service: NodeId) -> Doc {
        tuple("Rollback", vec![self.name(service)])
    }
}
