//! The strategies that pick a size among the safe ones — cheapest, fastest
//! or a weighted balance — as AWS Lambda Power Tuning defines them, ties
//! included, so its users get the choice they expect.

use super::RightsizingError;
use serde::Serialize;
use std::str::FromStr;

/// How a size is chosen among the safe ones, as Lambda Power Tuning
/// defines its strategies (README and `lambda/analyzer.js` of
/// <https://github.com/alexcasalboni/aws-lambda-power-tuning>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// The cheapest mean cost per invocation; among equal costs, the faster.
    Cost,
    /// The shortest mean duration; among equal durations, the cheaper.
    Speed,
    /// The smallest `w × cost / max cost + (1 − w) × duration / max
    /// duration` over the candidate sizes, with `w` the balanced weight:
    /// 1 is `cost`, 0 is `speed`.
    Balanced,
}

impl Strategy {
    /// The name `FromStr` accepts.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Cost => "cost",
            Strategy::Speed => "speed",
            Strategy::Balanced => "balanced",
        }
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Strategy {
    type Err = RightsizingError;

    /// `cost`, `speed` or `balanced` (any case), as the CLI and the HTTP
    /// API receive them.
    fn from_str(s: &str) -> Result<Strategy, RightsizingError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cost" => Ok(Strategy::Cost),
            "speed" => Ok(Strategy::Speed),
            "balanced" => Ok(Strategy::Balanced),
            _ => Err(RightsizingError::UnknownStrategy(s.to_string())),
        }
    }
}

/// A size scored for the strategies.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scored {
    pub(super) cost: f64,
    pub(super) duration: f64,
}

/// Index of the size a strategy picks (Power Tuning's `findCheapest`,
/// `findFastest` and `findBalanced`: ties on cost go to the faster, ties on
/// duration to the cheaper; remaining ties to the smaller size, which comes
/// first). `None` for no candidates.
pub(super) fn choose(strategy: Strategy, weight: f64, scored: &[Scored]) -> Option<usize> {
    let max_cost = scored.iter().map(|s| s.cost).fold(0.0, f64::max);
    let max_duration = scored.iter().map(|s| s.duration).fold(0.0, f64::max);
    let share = |value: f64, max: f64| if max > 0.0 { value / max } else { 0.0 };
    let balanced = |s: &Scored| {
        weight * share(s.cost, max_cost) + (1.0 - weight) * share(s.duration, max_duration)
    };
    scored
        .iter()
        .enumerate()
        .min_by(|&(i, a), &(j, b)| {
            match strategy {
                Strategy::Cost => a
                    .cost
                    .total_cmp(&b.cost)
                    .then(a.duration.total_cmp(&b.duration)),
                Strategy::Speed => a
                    .duration
                    .total_cmp(&b.duration)
                    .then(a.cost.total_cmp(&b.cost)),
                Strategy::Balanced => balanced(a).total_cmp(&balanced(b)),
            }
            .then(i.cmp(&j))
        })
        .map(|(i, _)| i)
}
