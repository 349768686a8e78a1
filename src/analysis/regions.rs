//! Hot-spot regions: connected components (H3 grid adjacency) of hot cells
//! (bin ≥ 2) and of cold cells (bin ≤ −2), each dissolved into one
//! multipolygon.
//!
//! Ordering: hot regions first, by total count descending, then cold regions
//! by number of cells descending; remaining ties by larger max |z|, then by the
//! smallest cell index.

use super::{gistar::CellStat, AnalysisError, IntMap};
use geo::Centroid;
use h3o::{geom::SolventBuilder, CellIndex};

/// Whether a region is a hot or a cold spot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegionKind {
    /// Cells with bin ≥ 2 (high values, 95 % confidence or more).
    Hot,
    /// Cells with bin ≤ −2 (low values, 95 % confidence or more).
    Cold,
}

/// One connected hot or cold region.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// Hot or cold.
    pub kind: RegionKind,
    /// Member cells, sorted.
    pub cells: Vec<CellIndex>,
    /// Sum of the cells' counts.
    pub total_count: u64,
    /// Largest |z| among the cells.
    pub max_abs_z: f64,
    /// Centroid of the dissolved outline (lon/lat).
    pub centroid: geo::Point<f64>,
    /// Dissolved outline (lon/lat degrees).
    pub geometry: geo::MultiPolygon<f64>,
}

fn kind_of(bin: i8) -> Option<RegionKind> {
    match bin {
        b if b >= 2 => Some(RegionKind::Hot),
        b if b <= -2 => Some(RegionKind::Cold),
        _ => None,
    }
}

/// Builds the hot and cold regions from Gi* cell results (all cells at one
/// resolution, as [`super::gistar_h3`] returns them).
///
/// # Errors
/// [`AnalysisError::Geometry`] when H3 cannot dissolve the cells (duplicate
/// cells or mixed resolutions).
pub fn hot_cold_regions(cells: &[CellStat]) -> Result<Vec<Region>, AnalysisError> {
    let mut sorted: Vec<&CellStat> = cells.iter().filter(|c| kind_of(c.bin).is_some()).collect();
    sorted.sort_by_key(|c| c.cell);
    let index: IntMap<u64, usize> = sorted
        .iter()
        .enumerate()
        .map(|(i, c)| (u64::from(c.cell), i))
        .collect();
    let mut seen = vec![false; sorted.len()];
    let mut regions = Vec::new();
    for start in 0..sorted.len() {
        if !seen[start] {
            let members = component(start, &sorted, &index, &mut seen);
            regions.push(build_region(&members, &sorted)?);
        }
    }
    regions.sort_by(region_order);
    Ok(regions)
}

/// Flood fill over grid neighbours of the same kind.
fn component(
    start: usize,
    cells: &[&CellStat],
    index: &IntMap<u64, usize>,
    seen: &mut [bool],
) -> Vec<usize> {
    let kind = kind_of(cells[start].bin);
    let mut stack = vec![start];
    let mut members = Vec::new();
    seen[start] = true;
    while let Some(i) = stack.pop() {
        members.push(i);
        for nb in cells[i].cell.grid_disk::<Vec<_>>(1) {
            if let Some(&j) = index.get(&u64::from(nb)) {
                if !seen[j] && kind_of(cells[j].bin) == kind {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
    }
    members.sort_unstable();
    members
}

fn build_region(members: &[usize], cells: &[&CellStat]) -> Result<Region, AnalysisError> {
    let ids: Vec<CellIndex> = members.iter().map(|&i| cells[i].cell).collect();
    let geometry = SolventBuilder::new()
        .build()
        .dissolve(ids.iter().copied())
        .map_err(|e| AnalysisError::Geometry(e.to_string()))?;
    let centroid = geometry
        .centroid()
        .unwrap_or_else(|| geo::Point::from(geo::Coord::from(h3o::LatLng::from(ids[0]))));
    Ok(Region {
        kind: kind_of(cells[members[0]].bin).unwrap_or(RegionKind::Hot),
        total_count: members.iter().map(|&i| cells[i].count).sum(),
        max_abs_z: members
            .iter()
            .map(|&i| cells[i].z.abs())
            .fold(0.0, f64::max),
        cells: ids,
        centroid,
        geometry,
    })
}

fn region_order(a: &Region, b: &Region) -> std::cmp::Ordering {
    let size = |r: &Region| match r.kind {
        RegionKind::Hot => r.total_count,
        RegionKind::Cold => r.cells.len() as u64,
    };
    a.kind
        .cmp(&b.kind)
        .then(size(b).cmp(&size(a)))
        .then(b.max_abs_z.total_cmp(&a.max_abs_z))
        .then(a.cells[0].cmp(&b.cells[0]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Contains};
    use h3o::{LatLng, Resolution};

    fn stat(cell: CellIndex, count: u64, z: f64, bin: i8) -> CellStat {
        CellStat {
            cell,
            count,
            z,
            p: 0.0,
            bin,
            neighbours: 7,
        }
    }

    #[test]
    fn components_dissolve_and_order() {
        let a = LatLng::new(39.95, -75.16)
            .unwrap()
            .to_cell(Resolution::Nine);
        let b = LatLng::new(39.99, -75.10)
            .unwrap()
            .to_cell(Resolution::Nine);
        let ring_a: Vec<CellIndex> = a.grid_disk(1);
        let mut cells: Vec<CellStat> = ring_a.iter().map(|&c| stat(c, 10, 3.0, 3)).collect();
        // A separate, smaller hot spot with a higher z.
        cells.push(stat(b, 5, 5.0, 2));
        // A bin-1 cell next to b does not join it.
        let b_nb = b.grid_ring::<Vec<_>>(1)[0];
        cells.push(stat(b_nb, 4, 1.7, 1));
        // A cold region of two adjacent cells far away.
        let c = LatLng::new(39.90, -75.25)
            .unwrap()
            .to_cell(Resolution::Nine);
        let c_nb = c.grid_ring::<Vec<_>>(1)[0];
        cells.push(stat(c, 0, -2.5, -2));
        cells.push(stat(c_nb, 0, -3.1, -3));
        cells.reverse();

        let regions = hot_cold_regions(&cells).unwrap();
        assert_eq!(regions.len(), 3);
        assert_eq!(regions[0].kind, RegionKind::Hot);
        assert_eq!(regions[0].cells.len(), 7);
        assert_eq!(regions[0].total_count, 70);
        assert_eq!(regions[1].cells, vec![b]);
        assert_eq!(regions[1].max_abs_z, 5.0);
        assert_eq!(regions[2].kind, RegionKind::Cold);
        assert_eq!(regions[2].cells.len(), 2);
        assert_eq!(regions[2].max_abs_z, 3.1);
        // The 7-cell disk dissolves into one polygon without holes.
        let g = &regions[0].geometry;
        assert_eq!(g.0.len(), 1);
        assert!(g.0[0].interiors().is_empty());
        assert!(g.unsigned_area() > 0.0);
        assert!(g.contains(&regions[0].centroid));
        // Outlines are in lon/lat degrees.
        let c = regions[0].centroid;
        assert!(
            (c.x() + 75.16).abs() < 0.01 && (c.y() - 39.95).abs() < 0.01,
            "{c:?}"
        );
        assert_eq!(hot_cold_regions(&cells).unwrap(), regions);
    }

    #[test]
    fn no_significant_cells_no_regions() {
        let a = LatLng::new(39.95, -75.16)
            .unwrap()
            .to_cell(Resolution::Nine);
        assert!(hot_cold_regions(&[stat(a, 1, 1.0, 1)]).unwrap().is_empty());
        assert!(hot_cold_regions(&[]).unwrap().is_empty());
    }
}
