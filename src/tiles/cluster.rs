//! How many request points a tile may carry, and what it carries instead: the rule that keeps
//! every tile bounded without dropping a request.
//!
//! **Rule.** A tile whose requests (its buffer included) number at most [`MAX_POINTS`]
//! carries each of them as a point. A tile with more groups them on a grid of
//! [`CELL`]-unit squares aligned with the tile (the same grid in every tile of a zoom, so a
//! square in one tile's buffer is the same square in its neighbour): a square holding one
//! request carries that request as a point, a square holding several carries one cluster
//! point at its members' mean position, with their count. Every request is in exactly one
//! feature, so the counts of a tile add up to the requests it covers; a tile holds at most
//! `max(MAX_POINTS, 66²)` features (66 squares across: 64 in the tile, one in each buffer).

use super::{BUFFER, EXTENT};

/// Requests a tile carries one by one, at most.
pub const MAX_POINTS: usize = 3_000;
/// The side of a grouping square, in tile units (4 pixels of a 256-pixel tile).
pub const CELL: i32 = 64;
/// Squares along each side of a tile and its buffer.
pub const SQUARES: i32 = ((EXTENT + 2 * BUFFER) as i32) / CELL;

/// A feature of the points layer: one request (its index in the input), or several.
#[derive(Debug, Clone, PartialEq)]
pub enum Group {
    Single(usize),
    Cluster {
        /// Indexes of the members in the input, in input order.
        members: Vec<usize>,
        /// The members' mean position, rounded to tile units.
        at: [i32; 2],
        /// The square's number in the tile, row by row from the buffer's top-left corner
        /// (0 to `SQUARES² - 1`): unique in the tile, used for the feature id.
        square: u32,
    },
}

/// Groups points (tile units, all within the tile and its buffer) by the rule above.
/// Deterministic: clusters come square by square, row by row; singles in input order first
/// when nothing is grouped.
pub fn group(points: &[[f64; 2]]) -> Vec<Group> {
    if points.len() <= MAX_POINTS {
        return (0..points.len()).map(Group::Single).collect();
    }
    let side = SQUARES as usize;
    let mut squares: Vec<Vec<usize>> = vec![Vec::new(); side * side];
    let square = |v: f64| {
        let i = ((v + f64::from(BUFFER)) / f64::from(CELL)).floor() as i32;
        i.clamp(0, SQUARES - 1) as usize
    };
    for (i, p) in points.iter().enumerate() {
        squares[square(p[1]) * side + square(p[0])].push(i);
    }
    squares
        .into_iter()
        .enumerate()
        .filter(|(_, members)| !members.is_empty())
        .map(|(n, members)| {
            if members.len() == 1 {
                return Group::Single(members[0]);
            }
            let count = members.len() as f64;
            let mean = |axis: usize| members.iter().map(|&i| points[i][axis]).sum::<f64>() / count;
            Group::Cluster {
                at: [mean(0).round() as i32, mean(1).round() as i32],
                members,
                square: n as u32,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_points_stay_points() {
        let points = vec![[1.0, 2.0], [1.0, 2.0], [4000.0, 4000.0]];
        assert_eq!(
            group(&points),
            vec![Group::Single(0), Group::Single(1), Group::Single(2)]
        );
    }

    #[test]
    fn many_points_group_by_square_and_every_point_counts() {
        // 3,000 points in one square, one alone in another, 10 in the buffer's corner
        let mut points: Vec<[f64; 2]> =
            (0..3_000).map(|i| [10.0 + (i % 40) as f64, 20.0]).collect();
        points.push([2_000.0, 2_000.0]);
        points.extend((0..10).map(|_| [-60.0, 4150.0]));
        let groups = group(&points);
        assert_eq!(groups.len(), 3);
        let total: usize = groups
            .iter()
            .map(|g| match g {
                Group::Single(_) => 1,
                Group::Cluster { members, .. } => members.len(),
            })
            .sum();
        assert_eq!(total, points.len());
        let Group::Cluster {
            at,
            square,
            members,
        } = &groups[0]
        else {
            panic!("the crowded square is a cluster")
        };
        assert_eq!(members.len(), 3_000);
        assert_eq!(*at, [30, 20]); // mean x 10 + 19.5 rounds to 30
        assert_eq!(*square, (SQUARES + 1) as u32); // row 1 (y 20 + 64), column 1
        assert_eq!(groups[1], Group::Single(3_000));
        let Group::Cluster { square, .. } = &groups[2] else {
            panic!()
        };
        assert_eq!(*square, ((SQUARES - 1) * SQUARES) as u32); // last row, first column
                                                               // the same input gives the same groups
        assert_eq!(group(&points), groups);
    }
}
