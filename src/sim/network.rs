//! Directed links: delay, loss, duplication, and partitions.
//!
//! Every directed pair of nodes has a link with its own latency model and its
//! own random stream (`link:FROM->TO`), so changing one link never changes the
//! draws of another. A balancer's health probes and their answers draw from
//! a second stream of the link (`link:FROM->TO/probe`, see
//! [`Network::send_probe`]), so turning health checks on does not change the
//! requests' draws. Reordering is not a
//! separate knob: it follows from independent latency draws.
//!
//! **Partitions.** A cut applies to a directed pair. A message is checked when
//! it is sent and again when it would arrive: a message in flight over a link
//! that is cut before it arrives is lost, as packets on a severed wire are, and
//! a message sent across a cut never arrives even if the cut heals before its
//! delay would have passed. Neither side is told; callers find out by timing out.

use super::config::{LinkModel, NodeId};
use super::rng::{SimRng, stream};
use super::time::SimDuration;
use rand::RngExt;

/// What the network does with one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transit {
    /// Arrives once after the delay.
    Deliver(SimDuration),
    /// Arrives twice, after each delay.
    Duplicate(SimDuration, SimDuration),
    /// Lost at random.
    Lost,
    /// Blocked by a partition.
    Cut,
}

struct Link {
    model: LinkModel,
    rng: SimRng,
    /// Draws for probes (created on the first one).
    probe_rng: Option<SimRng>,
}

/// All links of one run.
pub struct Network {
    nodes: usize,
    seed: u64,
    names: Vec<String>,
    default_model: LinkModel,
    /// `link_index[from * nodes + to]`: index into `links`, created on first use.
    link_index: Vec<Option<u32>>,
    links: Vec<Link>,
    /// `cut[from * nodes + to]`: the pair is partitioned.
    cut: Vec<bool>,
}

impl Network {
    /// A network over nodes named `names`, every pair using `default_model`.
    pub fn new(seed: u64, names: Vec<String>, default_model: LinkModel) -> Self {
        let nodes = names.len();
        Network {
            nodes,
            seed,
            names,
            default_model,
            link_index: vec![None; nodes * nodes],
            links: Vec::new(),
            cut: vec![false; nodes * nodes],
        }
    }

    fn slot(&self, from: NodeId, to: NodeId) -> usize {
        from.index() * self.nodes + to.index()
    }

    #[inline]
    fn link_mut(&mut self, from: NodeId, to: NodeId) -> &mut Link {
        let slot = self.slot(from, to);
        let index = match self.link_index[slot] {
            Some(i) => i as usize,
            None => self.create_link(from, to),
        };
        &mut self.links[index]
    }

    /// Creates the link `from → to` (on its first message) and returns its index.
    #[cold]
    fn create_link(&mut self, from: NodeId, to: NodeId) -> usize {
        let name = format!(
            "link:{}->{}",
            self.names[from.index()],
            self.names[to.index()]
        );
        self.links.push(Link {
            model: self.default_model.clone(),
            rng: stream(self.seed, &name),
            probe_rng: None,
        });
        let i = self.links.len() - 1;
        let slot = self.slot(from, to);
        self.link_index[slot] = Some(i as u32);
        i
    }

    /// The current model of the link `from → to`.
    pub fn model(&self, from: NodeId, to: NodeId) -> &LinkModel {
        match self.link_index[self.slot(from, to)] {
            Some(i) => &self.links[i as usize].model,
            None => &self.default_model,
        }
    }

    /// Replaces the model of the link `from → to`.
    pub fn set_model(&mut self, from: NodeId, to: NodeId, model: LinkModel) {
        self.link_mut(from, to).model = model;
    }

    /// Decides the fate of one message sent now from `from` to `to`.
    pub fn send(&mut self, from: NodeId, to: NodeId) -> Transit {
        if self.is_cut(from, to) {
            return Transit::Cut;
        }
        let link = self.link_mut(from, to);
        fate(&link.model, &mut link.rng)
    }

    /// [`Network::send`] for a failure detector's probe or its answer: the
    /// same link, drawn from the link's probe stream.
    pub fn send_probe(&mut self, from: NodeId, to: NodeId) -> Transit {
        if self.is_cut(from, to) {
            return Transit::Cut;
        }
        let (seed, name) = (
            self.seed,
            format!(
                "link:{}->{}/probe",
                self.names[from.index()],
                self.names[to.index()]
            ),
        );
        let link = self.link_mut(from, to);
        let rng = link.probe_rng.get_or_insert_with(|| stream(seed, &name));
        fate(&link.model, rng)
    }

    /// True when `from → to` is partitioned.
    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.cut[self.slot(from, to)]
    }

    /// Cuts or restores one direction.
    pub fn set_cut(&mut self, from: NodeId, to: NodeId, cut: bool) {
        let slot = self.slot(from, to);
        self.cut[slot] = cut;
    }

    /// Restores every link.
    pub fn heal_all(&mut self) {
        self.cut.fill(false);
    }

    /// Every directed pair currently cut, in (from, to) order.
    pub fn cuts(&self) -> Vec<(NodeId, NodeId)> {
        (0..self.cut.len())
            .filter(|&i| self.cut[i])
            .map(|i| {
                (
                    NodeId((i / self.nodes) as u32),
                    NodeId((i % self.nodes) as u32),
                )
            })
            .collect()
    }
}

/// The fate of one message on a link with `model`, drawn from `rng`.
fn fate(model: &LinkModel, rng: &mut SimRng) -> Transit {
    // Always draw both coins and the delay, so that changing the loss
    // probability does not shift this link's later draws.
    let lost = rng.random::<f64>() < model.loss;
    let duplicated = rng.random::<f64>() < model.duplicate;
    let delay = model.latency.sample(rng);
    if lost {
        Transit::Lost
    } else if duplicated {
        Transit::Duplicate(delay, model.latency.sample(rng))
    } else {
        Transit::Deliver(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::dist::Dist;

    fn net() -> Network {
        Network::new(
            1,
            vec!["a".into(), "b".into(), "c".into()],
            LinkModel::default(),
        )
    }

    #[test]
    fn a_one_way_cut_blocks_only_its_direction() {
        let mut n = net();
        n.set_cut(NodeId(0), NodeId(1), true);
        assert_eq!(n.send(NodeId(0), NodeId(1)), Transit::Cut);
        assert_eq!(
            n.send(NodeId(1), NodeId(0)),
            Transit::Deliver(SimDuration::ZERO)
        );
        assert_eq!(
            n.send(NodeId(0), NodeId(2)),
            Transit::Deliver(SimDuration::ZERO)
        );
        n.heal_all();
        assert_eq!(
            n.send(NodeId(0), NodeId(1)),
            Transit::Deliver(SimDuration::ZERO)
        );
    }

    #[test]
    fn loss_rate_matches_its_probability() {
        let mut n = net();
        n.set_model(
            NodeId(0),
            NodeId(1),
            LinkModel {
                latency: Dist::Constant { ns: 1e6 },
                loss: 0.1,
                duplicate: 0.0,
            },
        );
        let lost = (0..100_000)
            .filter(|_| n.send(NodeId(0), NodeId(1)) == Transit::Lost)
            .count();
        // Binomial(1e5, 0.1): sd ≈ 95; 5 sd bounds.
        assert!((9_525..=10_475).contains(&lost), "lost {lost}");
    }
}
