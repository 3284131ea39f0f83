//! Growth lines: for each strategy and figure, the least-squares line through
//! `(ln x, ln median)` over the points where both are positive. Its slope is the exponent of
//! the growth: 0 flat, 1 linear, 2 quadratic. The reading in words follows from the slope
//! alone, with the fit's r² beside it.

use serde::{Deserialize, Serialize};

use super::{Point, FIGURES};

/// Fewest points a line is fitted through.
pub const MIN_POINTS: usize = 3;

/// One strategy's growth line for one figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    /// The strategy.
    pub strategy: String,
    /// The figure's id.
    pub figure: String,
    /// The slope on log–log axes.
    pub slope: f64,
    /// The fit's coefficient of determination (1: every point on the line).
    pub r2: f64,
    /// The points it went through.
    pub points: u32,
    /// The slope in words.
    pub reading: String,
}

/// The least-squares line through `points` (x, y): slope and r², or `None` for fewer than
/// two distinct x.
pub fn line(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let syy: f64 = points.iter().map(|p| (p.1 - my).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let r2 = if syy <= 0.0 {
        1.0
    } else {
        (sxy * sxy) / (sxx * syy)
    };
    Some((slope, r2))
}

/// The slope in words.
pub fn reading(slope: f64) -> &'static str {
    if slope < -0.15 {
        "falls"
    } else if slope < 0.15 {
        "stays flat"
    } else if slope < 0.85 {
        "grows slower than linearly"
    } else if slope < 1.15 {
        "grows about linearly"
    } else {
        "grows faster than linearly"
    }
}

/// Every growth line of a series.
pub fn all(points: &[Point]) -> Vec<Fit> {
    let mut strategies: Vec<&str> = Vec::new();
    for p in points {
        for r in &p.rows {
            if !strategies.contains(&r.strategy.as_str()) {
                strategies.push(&r.strategy);
            }
        }
    }
    let mut fits = Vec::new();
    for strategy in strategies {
        for figure in FIGURES {
            let logs: Vec<(f64, f64)> = points
                .iter()
                .filter_map(|p| {
                    let row = p.rows.iter().find(|r| r.strategy == strategy)?;
                    let y = (figure.get)(&row.summary)?.median;
                    (p.x > 0.0 && y > 0.0).then(|| (p.x.ln(), y.ln()))
                })
                .collect();
            if logs.len() < MIN_POINTS {
                continue;
            }
            if let Some((slope, r2)) = line(&logs) {
                fits.push(Fit {
                    strategy: strategy.to_string(),
                    figure: figure.id.to_string(),
                    slope,
                    r2,
                    points: logs.len() as u32,
                    reading: reading(slope).to_string(),
                });
            }
        }
    }
    fits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_power_law_gives_its_exponent() {
        let pts: Vec<(f64, f64)> = [1.0f64, 10.0, 100.0, 1000.0]
            .iter()
            .map(|&x| (x.ln(), (3.0 * x.powf(1.5)).ln()))
            .collect();
        let (slope, r2) = line(&pts).unwrap();
        assert!((slope - 1.5).abs() < 1e-9, "{slope}");
        assert!((r2 - 1.0).abs() < 1e-9);
        assert_eq!(reading(slope), "grows faster than linearly");
    }

    #[test]
    fn a_flat_figure_and_a_noisy_one() {
        let flat = [(0.0, 2.0), (1.0, 2.0), (2.0, 2.0)];
        assert_eq!(line(&flat), Some((0.0, 1.0)));
        assert_eq!(reading(0.0), "stays flat");
        let noisy = [(0.0, 0.0), (1.0, 1.0), (2.0, 0.0), (3.0, 1.0)];
        let (_, r2) = line(&noisy).unwrap();
        assert!(r2 < 0.5, "{r2}");
        assert!(line(&[(1.0, 1.0), (1.0, 2.0)]).is_none());
        assert!(line(&[(1.0, 1.0)]).is_none());
    }
}
