//! Paging of lists: what a caller asks for ([`Page`]: how many, from where) and what it gets back
//! ([`Paged`]: the rows and how many there are in all), so that no list stops silently.

use serde::Serialize;

/// A page of a list: at most `limit` rows (1–[`Page::MAX`]) after skipping `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Page {
    /// The most rows one page holds.
    pub const MAX: i64 = 1000;

    /// A page, the limit clamped to 1–[`Page::MAX`] (`default` when not given), the offset to ≥ 0.
    pub fn new(limit: Option<i64>, offset: Option<i64>, default: i64) -> Page {
        Page {
            limit: limit.unwrap_or(default).clamp(1, Page::MAX),
            offset: offset.unwrap_or(0).max(0),
        }
    }
}

/// One page of a list, with the number of rows of the whole list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// The rows of the whole list; with `total_capped`, at least this many.
    pub total: i64,
    /// The count stopped at `total` (a search that finds too many to count).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub total_capped: bool,
    pub limit: i64,
    pub offset: i64,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, total: i64, page: Page) -> Paged<T> {
        Paged {
            items,
            total,
            total_capped: false,
            limit: page.limit,
            offset: page.offset,
        }
    }

    pub fn empty(page: Page) -> Paged<T> {
        Paged::new(Vec::new(), 0, page)
    }

    /// The offset of the next page, if there is one.
    pub fn next_offset(&self) -> Option<i64> {
        let next = self.offset + self.limit;
        (next < self.total).then_some(next)
    }

    /// The offset of the previous page, if this is not the first.
    pub fn previous_offset(&self) -> Option<i64> {
        (self.offset > 0).then(|| (self.offset - self.limit).max(0))
    }
}
