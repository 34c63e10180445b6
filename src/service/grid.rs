//! A spatial index over item positions: a fixed grid of cells of 0.05° latitude by 0.1°
//! longitude (about 5.5 km by 5.6 km at 60° N), stored as one sorted list of (cell, position)
//! pairs. A box or a circle becomes, per row of cells it touches, one contiguous range of that
//! list, found by binary search; so a 5 km `near` query over 220,000 sites looks at a few dozen
//! items, and a box as large as the world costs one search per row. Pure: no I/O.

use std::ops::Range;

/// Cell height and width in degrees.
const CELL_LAT: f64 = 0.05;
const CELL_LON: f64 = 0.1;
/// Rows and columns of the world (latitude −90…90, longitude −180…180).
const ROWS: u32 = (180.0 / CELL_LAT) as u32;
const COLS: u32 = (360.0 / CELL_LON) as u32;

/// Mean Earth radius (IUGG), metres; the same sphere as [`super::search::distance_m`].
pub(crate) const EARTH_RADIUS_M: f64 = 6_371_008.8;

fn row(lat: f64) -> u32 {
    (((lat + 90.0) / CELL_LAT).floor().max(0.0) as u32).min(ROWS)
}

fn col(lon: f64) -> u32 {
    (((lon + 180.0) / CELL_LON).floor().max(0.0) as u32).min(COLS)
}

fn key(row: u32, col: u32) -> u32 {
    (row << 16) | col
}

/// An inclusive span of columns within one row.
type ColSpan = (u32, u32);

/// The grid: (cell key, position) pairs, sorted.
#[derive(Debug, Default)]
pub struct Grid {
    cells: Vec<(u32, u32)>,
}

impl Grid {
    /// Indexes `(latitude, longitude, position)` triples (positions outside −90…90 / −180…180
    /// are clamped into the edge cells, so every item is found by a box that contains it).
    pub fn new(points: impl IntoIterator<Item = (f64, f64, u32)>) -> Self {
        let mut cells: Vec<(u32, u32)> = points
            .into_iter()
            .map(|(lat, lon, pos)| (key(row(lat), col(lon)), pos))
            .collect();
        cells.sort_unstable();
        Self { cells }
    }

    /// The ranges of the list that hold every position inside the box (and some just outside
    /// it). `min_lon > max_lon` crosses the antimeridian.
    pub fn bbox_ranges(&self, min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> Vec<Range<usize>> {
        let spans: Vec<ColSpan> = if min_lon <= max_lon {
            vec![(col(min_lon), col(max_lon))]
        } else {
            vec![(col(min_lon), COLS), (0, col(max_lon))]
        };
        self.ranges(row(min_lat), row(max_lat), &spans)
    }

    /// The ranges of the list that hold every position within `radius_m` metres of a point on
    /// the sphere (and some just outside it).
    pub fn circle_ranges(&self, lat: f64, lon: f64, radius_m: f64) -> Vec<Range<usize>> {
        // The circle's bounding box on the sphere, widened by a little for rounding.
        let angle = radius_m / EARTH_RADIUS_M;
        let margin = 1e-6;
        let dlat = angle.to_degrees() * (1.0 + margin) + 1e-9;
        let (lo, hi) = (lat - dlat, lat + dlat);
        let all = vec![(0, COLS)];
        if lo <= -90.0 || hi >= 90.0 || angle >= std::f64::consts::FRAC_PI_2 {
            // The circle holds a pole (or half the sphere): every longitude.
            return self.ranges(row(lo), row(hi), &all);
        }
        let s = angle.sin() / lat.to_radians().cos();
        if s >= 1.0 {
            return self.ranges(row(lo), row(hi), &all);
        }
        let dlon = s.asin().to_degrees() * (1.0 + margin) + 1e-9;
        if dlon >= 180.0 {
            return self.ranges(row(lo), row(hi), &all);
        }
        let (west, east) = (lon - dlon, lon + dlon);
        let spans = if west < -180.0 {
            vec![(0, col(east)), (col(west + 360.0), COLS)]
        } else if east > 180.0 {
            vec![(col(west), COLS), (0, col(east - 360.0))]
        } else {
            vec![(col(west), col(east))]
        };
        self.ranges(row(lo), row(hi), &spans)
    }

    fn ranges(&self, first_row: u32, last_row: u32, spans: &[ColSpan]) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        for r in first_row..=last_row {
            for &(c0, c1) in spans {
                let (k0, k1) = (key(r, c0), key(r, c1));
                let start = self.cells.partition_point(|(k, _)| *k < k0);
                let end = start + self.cells[start..].partition_point(|(k, _)| *k <= k1);
                if start < end {
                    out.push(start..end);
                }
            }
        }
        out
    }

    /// The positions in these ranges (in no particular order).
    pub fn positions<'a>(&'a self, ranges: &'a [Range<usize>]) -> impl Iterator<Item = u32> + 'a {
        ranges
            .iter()
            .flat_map(|r| self.cells[r.clone()].iter().map(|(_, pos)| *pos))
    }
}

/// How many positions the ranges hold.
pub fn count(ranges: &[Range<usize>]) -> usize {
    ranges.iter().map(|r| r.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::search::{BBox, distance_m};

    /// A deterministic cloud of points over the whole world, denser around Sweden.
    fn points() -> Vec<(f64, f64, u32)> {
        let mut x: u64 = 42;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 1_000_000) as f64 / 1_000_000.0
        };
        (0..20_000u32)
            .map(|i| {
                if i % 2 == 0 {
                    (55.0 + next() * 14.0, 11.0 + next() * 13.0, i)
                } else {
                    (-90.0 + next() * 180.0, -180.0 + next() * 360.0, i)
                }
            })
            .chain([(90.0, 0.0, 20_000), (-90.0, 180.0, 20_001), (0.0, -180.0, 20_002)])
            .collect()
    }

    fn found(grid: &Grid, ranges: &[Range<usize>]) -> Vec<u32> {
        let mut v: Vec<u32> = grid.positions(ranges).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn circles_find_every_point_within_the_radius() {
        let pts = points();
        let grid = Grid::new(pts.iter().copied());
        let centres = [
            (57.70, 11.97),
            (68.9, 20.0),
            (0.0, 179.99),
            (0.0, -179.99),
            (89.99, 10.0),
            (-89.5, 0.0),
            (60.0, 15.0),
        ];
        for (lat, lon) in centres {
            for radius in [1.0, 5_000.0, 50_000.0, 1_000_000.0, 15_000_000.0] {
                let ranges = grid.circle_ranges(lat, lon, radius);
                let got = found(&grid, &ranges);
                for &(plat, plon, pos) in &pts {
                    if distance_m(lat, lon, plat, plon) <= radius {
                        assert!(
                            got.binary_search(&pos).is_ok(),
                            "({lat},{lon}) r={radius}: {pos} missed"
                        );
                    }
                }
                if radius <= 50_000.0 && lat.abs() < 80.0 {
                    // Tight: no more than a few cells' worth beyond the circle.
                    assert!(
                        got.len() < 400,
                        "({lat},{lon}) r={radius}: {} candidates",
                        got.len()
                    );
                }
            }
        }
    }

    #[test]
    fn boxes_find_every_point_inside() {
        let pts = points();
        let grid = Grid::new(pts.iter().copied());
        let boxes = [
            BBox {
                min_lon: 11.8,
                min_lat: 57.5,
                max_lon: 12.3,
                max_lat: 57.8,
            },
            BBox {
                min_lon: 170.0,
                min_lat: -10.0,
                max_lon: -170.0,
                max_lat: 10.0,
            },
            BBox {
                min_lon: -180.0,
                min_lat: -90.0,
                max_lon: 180.0,
                max_lat: 90.0,
            },
            BBox {
                min_lon: 12.0,
                min_lat: 58.0,
                max_lon: 12.0,
                max_lat: 58.0,
            },
        ];
        for b in boxes {
            let got = found(
                &grid,
                &grid.bbox_ranges(b.min_lon, b.min_lat, b.max_lon, b.max_lat),
            );
            let expected: Vec<u32> = pts.iter().filter(|p| b.contains(p.0, p.1)).map(|p| p.2).collect();
            for pos in &expected {
                assert!(got.binary_search(pos).is_ok(), "{b:?}: {pos} missed");
            }
        }
        let world = grid.bbox_ranges(-180.0, -90.0, 180.0, 90.0);
        assert_eq!(count(&world), pts.len());
    }
}
