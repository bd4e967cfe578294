//! One `--set path=v1,v2,...` of a sweep: the path syntax, and changing a
//! configuration at that path.
//!
//! ```text
//! duration=30s,60s
//! nodes.api.workers=4,8,16          (a service: workers, queue, error_rate)
//! nodes.users.per_second=100,200    (a client: per_second, users, max_in_flight, writes)
//! nodes.cache.capacity=100,1000     (a cache: capacity, ttl)
//! nodes.jobs.concurrency=1,4        (a queue: concurrency, max_deliveries, ack_timeout)
//! policies.web->api.retries=0,1,3   (the policy web uses to call api: timeout,
//!                                    deadline, retries, budget, hedge, idempotency_keys)
//! ```
//!
//! Names are the file's node names (they may hold dots: the field is what
//! follows the last dot). `none` clears an optional value (`queue`,
//! `max_in_flight`, `timeout`, `deadline`, `budget`, `hedge`).

use std::str::FromStr;

use crate::scenario::parse_duration;
use crate::sim::config::{
    HedgeConfig, Load, NodeId, NodeKind, PolicyConfig, RetryBudgetConfig, SimConfig,
};
use crate::sim::time::SimDuration;

use super::SweepError;

/// Settings of each node kind and of a policy, for messages and docs.
const SERVICE_FIELDS: &str = "workers, queue, error_rate";
const CLIENT_FIELDS: &str = "per_second, users, max_in_flight, writes";
const CACHE_FIELDS: &str = "capacity, ttl";
const QUEUE_FIELDS: &str = "concurrency, max_deliveries, ack_timeout";
const POLICY_FIELDS: &str = "timeout, deadline, retries, budget, hedge, idempotency_keys";

/// A path and the values it takes in turn, as given on the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// Where, e.g. `nodes.api.workers`.
    pub path: String,
    /// The values, as written.
    pub values: Vec<String>,
}

impl FromStr for Setting {
    type Err = SweepError;

    /// Parses `path=v1,v2,...`.
    fn from_str(s: &str) -> Result<Self, SweepError> {
        let bad = |message: &str| SweepError::Setting {
            arg: s.to_string(),
            message: message.to_string(),
        };
        let (path, values) = s
            .split_once('=')
            .ok_or_else(|| bad("expected PATH=VALUES, like nodes.api.workers=4,8,16"))?;
        let path = path.trim();
        if path.is_empty() {
            return Err(bad("the path is empty"));
        }
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
        if values.iter().any(String::is_empty) {
            return Err(bad("an empty value; separate values with commas"));
        }
        Ok(Setting {
            path: path.to_string(),
            values,
        })
    }
}

/// Sets `path` to `value` in `config`. The result is checked afterwards by
/// the scenario loader (limits, cross-references), not here.
pub fn apply(config: &mut SimConfig, path: &str, value: &str) -> Result<(), String> {
    if path == "duration" {
        config.duration = duration(value)?;
        return Ok(());
    }
    if let Some(rest) = path.strip_prefix("nodes.") {
        let (name, field) = rest
            .rsplit_once('.')
            .ok_or("expected nodes.NAME.FIELD, like nodes.api.workers")?;
        let id = node(config, name)?;
        return set_node(&mut config.nodes[id.index()].kind, field, value);
    }
    if let Some(rest) = path.strip_prefix("policies.") {
        let (pair, field) = rest
            .rsplit_once('.')
            .ok_or("expected policies.CALLER->CALLEE.FIELD, like policies.web->api.retries")?;
        let (caller, callee) = pair
            .split_once("->")
            .ok_or("expected policies.CALLER->CALLEE.FIELD, like policies.web->api.retries")?;
        let (caller, callee) = (node(config, caller)?, node(config, callee)?);
        let policy = policy_mut(config, caller, callee)?;
        return set_policy(policy, field, value);
    }
    Err("unknown path; paths start with duration, nodes. or policies.".to_string())
}

fn node(config: &SimConfig, name: &str) -> Result<NodeId, String> {
    config.node_id(name).ok_or_else(|| {
        let known: Vec<&str> = config.nodes.iter().map(|n| n.name.as_str()).collect();
        format!("no node named \"{name}\" (known: {})", known.join(", "))
    })
}

fn set_node(kind: &mut NodeKind, field: &str, value: &str) -> Result<(), String> {
    let unknown =
        |kind: &str, fields: &str| format!("a {kind} has no setting `{field}` (it has {fields})");
    match kind {
        NodeKind::Service(s) => match field {
            "workers" => s.workers = whole(value)?,
            "queue" => s.queue_capacity = optional(value, whole)?,
            "error_rate" => s.error_rate = real(value)?,
            _ => return Err(unknown("service", SERVICE_FIELDS)),
        },
        NodeKind::Client(c) => match field {
            "per_second" => match &mut c.load {
                Load::Open { arrivals } => *arrivals = arrivals.with_rate(real(value)?),
                Load::Closed { .. } => {
                    return Err("a closed-loop client has users, not per_second".into());
                }
            },
            "users" => match &mut c.load {
                Load::Closed { users, .. } => *users = whole(value)?,
                Load::Open { .. } => {
                    return Err("an open-loop client has per_second, not users".into());
                }
            },
            "max_in_flight" => c.max_in_flight = optional(value, whole)?,
            "writes" => c.write_fraction = real(value)?,
            _ => return Err(unknown("client", CLIENT_FIELDS)),
        },
        NodeKind::Cache(c) => match field {
            "capacity" => c.capacity = whole(value)?,
            "ttl" => c.ttl = duration(value)?,
            _ => return Err(unknown("cache", CACHE_FIELDS)),
        },
        NodeKind::Queue(q) => match field {
            "concurrency" => q.concurrency = whole(value)?,
            "max_deliveries" => q.max_deliveries = whole(value)?,
            "ack_timeout" => q.ack_timeout = duration(value)?,
            _ => return Err(unknown("queue", QUEUE_FIELDS)),
        },
        other => {
            return Err(format!(
                "a {} has no settings a sweep can change yet",
                other.label()
            ));
        }
    }
    Ok(())
}

/// The policy `caller` uses to call `callee`.
fn policy_mut(
    config: &mut SimConfig,
    caller: NodeId,
    callee: NodeId,
) -> Result<&mut PolicyConfig, String> {
    let names = |c: &SimConfig| {
        (
            c.nodes[caller.index()].name.clone(),
            c.nodes[callee.index()].name.clone(),
        )
    };
    let (a, b) = names(config);
    let none = || format!("\"{a}\" does not call \"{b}\"");
    match &mut config.nodes[caller.index()].kind {
        NodeKind::Client(c) if c.target == callee => Ok(&mut c.policy),
        NodeKind::Service(s) => s
            .calls
            .iter_mut()
            .find(|call| call.to == callee)
            .map(|call| &mut call.policy)
            .ok_or_else(none),
        NodeKind::Cache(c) if c.backing.to == callee => Ok(&mut c.backing.policy),
        _ => Err(none()),
    }
}

fn set_policy(p: &mut PolicyConfig, field: &str, value: &str) -> Result<(), String> {
    match field {
        "timeout" => p.timeout = optional(value, duration)?,
        "deadline" => p.deadline = optional(value, duration)?,
        "retries" => p.retry.max_retries = whole(value)?,
        "budget" => {
            p.retry.budget = optional(value, real)?.map(|ratio| RetryBudgetConfig {
                ratio,
                max_tokens: p.retry.budget.map_or(10.0, |b| b.max_tokens),
            })
        }
        "hedge" => p.hedge = optional(value, duration)?.map(HedgeConfig::After),
        "idempotency_keys" => {
            p.idempotency_keys = value
                .parse()
                .map_err(|_| format!("`{value}` is not true or false"))?
        }
        _ => {
            return Err(format!(
                "a policy has no setting `{field}` (it has {POLICY_FIELDS})"
            ));
        }
    }
    Ok(())
}

fn whole<T: FromStr>(value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("`{value}` is not a whole number in range"))
}

fn real(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(format!("`{value}` is not a finite number")),
    }
}

fn duration(value: &str) -> Result<SimDuration, String> {
    parse_duration(value).map_err(|e| format!("`{value}`: {e}"))
}

/// `none`, or a value.
fn optional<T>(value: &str, parse: fn(&str) -> Result<T, String>) -> Result<Option<T>, String> {
    if value == "none" {
        Ok(None)
    } else {
        parse(value).map(Some)
    }
}
