//! A service's versions at run time: which one serves each request, and
//! how each behaves (see `sim::deploy` for the configuration).
//!
//! A service with one version has no router at all, so it pays nothing. With
//! several, each admitted request draws one number from the service's
//! `deploy` stream, whether or not a canary is running (so the draws stay
//! aligned between runs: a request that sees a 10 % canary also sees a 20 %
//! one, common random numbers). A canary at fraction f serves the requests
//! whose draw is below f.

use rand::RngExt;

use crate::sim::deploy::{Routing, VersionConfig, Versions};
use crate::sim::dist::Dist;
use crate::sim::rng::{SimRng, stream};
use crate::sim::time::SimDuration;

/// Chooses and describes the version serving each request.
pub struct VersionRouter {
    versions: Vec<VersionConfig>,
    routing: Routing,
    pick_rng: SimRng,
    latency_rng: SimRng,
}

impl VersionRouter {
    /// The router of service `name`; none when it has a single version.
    pub fn new(seed: u64, name: &str, versions: &Versions) -> Option<Box<Self>> {
        (versions.count() > 1).then(|| {
            Box::new(VersionRouter {
                versions: versions.all(),
                routing: Routing::default(),
                pick_rng: stream(seed, &format!("{name}/deploy")),
                latency_rng: stream(seed, &format!("{name}/version-latency")),
            })
        })
    }

    /// Routes requests as `routing` says from now on.
    pub fn set_routing(&mut self, routing: Routing) {
        self.routing = routing;
    }

    /// The newest format the stable version reads (what the service's own calls accept).
    pub fn stable_reads(&self) -> u8 {
        self.get(self.routing.stable as u8).reads
    }

    /// The version that serves the next request.
    pub fn pick(&mut self) -> u8 {
        let u = self.pick_rng.random::<f64>();
        match self.routing.canary {
            Some((v, f)) if u < f => v as u8,
            _ => self.routing.stable as u8,
        }
    }

    fn get(&self, version: u8) -> &VersionConfig {
        &self.versions[usize::from(version).min(self.versions.len() - 1)]
    }

    /// Work time of `version`, drawn from `work_rng` (from its own work
    /// distribution if it has one, else `base`), plus its extra latency.
    pub fn work(&mut self, version: u8, base: &Dist, work_rng: &mut SimRng) -> SimDuration {
        let v = &self.versions[usize::from(version).min(self.versions.len() - 1)];
        let work = v.work.as_ref().unwrap_or(base).sample(work_rng);
        match &v.extra_latency {
            Some(extra) => work + extra.sample(&mut self.latency_rng),
            None => work,
        }
    }

    /// Whether `version` fails, given the service's error rate and the
    /// request's error draw `u` (uniform on [0, 1)): one draw decides both,
    /// so a request that fails on the base fails on every version.
    pub fn failed(&self, version: u8, base_rate: f64, u: f64) -> bool {
        let extra = self.get(version).error_rate;
        u < base_rate + (1.0 - base_rate) * extra
    }

    /// The reply format of `version`.
    pub fn format(&self, version: u8) -> u8 {
        self.get(version).format
    }
}
