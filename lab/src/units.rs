//! How figures read: rates, durations, bytes and spreads, the same in every table, verdict and
//! claim.

use crate::summary::Spread;

/// Operations per second: `4.46 M/s`, `916 k/s`.
pub fn rate(per_second: f64) -> String {
    if per_second >= 1e6 {
        format!("{:.2} M/s", per_second / 1e6)
    } else if per_second >= 1e3 {
        format!("{:.0} k/s", per_second / 1e3)
    } else {
        format!("{per_second:.0} /s")
    }
}

/// Nanoseconds, to three significant figures: `741 ns`, `39.6 µs`, `1.92 ms`, `1.20 s`.
pub fn ns(ns: f64) -> String {
    if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 1_000_000.0 {
        format!("{} µs", three_figures(ns / 1e3))
    } else if ns < 1_000_000_000.0 {
        format!("{} ms", three_figures(ns / 1e6))
    } else {
        format!("{} s", three_figures(ns / 1e9))
    }
}

/// `1.92`, `39.6`, `742`: three significant figures for a value from 1 up.
fn three_figures(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// Bytes in MiB: `2.7 MiB`.
pub fn mib(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / (1024.0 * 1024.0))
}

/// A count: `1092`.
pub fn count(n: f64) -> String {
    format!("{n:.0}")
}

/// A median and its `±`, in percent: `4.46 M/s ±5%`.
pub fn with_pm(spread: &Spread, unit: fn(f64) -> String) -> String {
    let pm = spread.plus_minus() * 100.0;
    if spread.is_exact() {
        unit(spread.median)
    } else if pm < 0.5 {
        format!("{} ±<1%", unit(spread.median))
    } else {
        format!("{} ±{pm:.0}%", unit(spread.median))
    }
}

/// A median and its range: `4.46 M/s (4.10–4.60 M/s)`, or the value alone when every
/// repetition agreed.
pub fn with_range(spread: &Spread, unit: fn(f64) -> String) -> String {
    if spread.is_exact() {
        unit(spread.median)
    } else {
        format!(
            "{} ({}–{})",
            unit(spread.median),
            unit(spread.min),
            unit(spread.max)
        )
    }
}

/// A count's value, or its range when repetitions differ: `1092`, `1090–1093`.
pub fn count_range(spread: &Spread) -> String {
    if spread.is_exact() {
        count(spread.median)
    } else {
        format!("{}–{}", count(spread.min), count(spread.max))
    }
}

/// `-` for a figure no repetition measured.
pub fn or_dash(spread: Option<&Spread>, show: impl Fn(&Spread) -> String) -> String {
    spread.map_or_else(|| "-".into(), show)
}

/// Wraps `text` at `width` columns, continuation lines indented by `indent` spaces.
pub fn wrap(text: &str, width: usize, indent: usize) -> String {
    let mut out = String::new();
    let lead = text.len() - text.trim_start().len();
    let mut line = text[..lead].to_string();
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if !line.trim().is_empty() && len + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line = " ".repeat(indent);
        } else if !line.trim().is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_the_tables_print_them() {
        assert_eq!(rate(4_460_000.0), "4.46 M/s");
        assert_eq!(rate(916_000.0), "916 k/s");
        assert_eq!(ns(741.0), "741 ns");
        assert_eq!(ns(39_600.0), "39.6 µs");
        assert_eq!(ns(5_300_000_000.0), "5.30 s");
        assert_eq!(ns(1_918_000.0), "1.92 ms");
        assert_eq!(ns(742_400.0), "742 µs");
        assert_eq!(ns(1_500.0), "1.50 µs");
        let s = Spread::of([90.0, 100.0, 120.0]).unwrap();
        assert_eq!(with_pm(&s, count), "100 ±20%");
        assert_eq!(with_range(&s, count), "100 (90–120)");
        assert_eq!(count_range(&Spread::of([5.0, 5.0]).unwrap()), "5");
    }

    #[test]
    fn wrapped_lines_fit() {
        let text = "a verdict line that goes on and on past the width of any reasonable terminal \
                    window, so that it must wrap";
        for line in wrap(text, 40, 2).lines() {
            assert!(line.chars().count() <= 40, "{line}");
        }
        let indented = wrap(&format!("  {text}"), 40, 4);
        assert!(indented.starts_with("  a verdict"), "{indented}");
        assert!(indented
            .lines()
            .skip(1)
            .all(|l| l.starts_with("    ") && !l.starts_with("     ")));
    }
}
