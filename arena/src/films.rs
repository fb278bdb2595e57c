//! The films catalogue's data: 250 fictional films ranked like the study notes' chart, each
//! with a bilingual title, year, director, language, rating and votes, generated from the
//! seed (same seed, same films). `films_pages.rs` turns them into HTML.
//!
//! The notes timed one crawl of a 250-film chart (10 pages of 25, then every film page);
//! this is that catalogue's shape, so a crawl of it is the notes' experiment. Titles are
//! unique (an adjective and a noun drawn without repetition from 16 x 20 pairs), ratings
//! fall with the rank like a real chart, everything else is drawn per film.

use crate::prng::{Domain, SplitMix64};

/// Films in the chart.
pub(crate) const FILMS: usize = 250;
/// Films per chart page.
pub(crate) const PER_PAGE: usize = 25;
/// Chart pages (`/chart/1 ..= /chart/10`).
pub(crate) const CHART_PAGES: usize = FILMS.div_ceil(PER_PAGE);

/// (Chinese, English) adjectives of the titles.
const ADJECTIVES: &[(&str, &str)] = &[
    ("遥远的", "Distant"),
    ("沉睡的", "Sleeping"),
    ("最后的", "Last"),
    ("蓝色的", "Blue"),
    ("寂静的", "Quiet"),
    ("漫长的", "Long"),
    ("秘密的", "Secret"),
    ("破晓的", "Dawning"),
    ("迷失的", "Lost"),
    ("温柔的", "Gentle"),
    ("古老的", "Old"),
    ("燃烧的", "Burning"),
    ("明亮的", "Bright"),
    ("北方的", "Northern"),
    ("无名的", "Nameless"),
    ("破碎的", "Broken"),
];

/// (Chinese, English) nouns of the titles.
const NOUNS: &[(&str, &str)] = &[
    ("海", "Sea"),
    ("城市", "City"),
    ("旅程", "Journey"),
    ("信", "Letter"),
    ("山谷", "Valley"),
    ("灯塔", "Lighthouse"),
    ("列车", "Train"),
    ("花园", "Garden"),
    ("河流", "River"),
    ("钟声", "Bells"),
    ("窗", "Window"),
    ("冬天", "Winter"),
    ("歌", "Song"),
    ("码头", "Pier"),
    ("森林", "Forest"),
    ("家", "Home"),
    ("星空", "Sky"),
    ("渡口", "Ferry"),
    ("戏院", "Theatre"),
    ("雨季", "Rains"),
];

/// Directors and the language their films are in.
const DIRECTORS: &[(&str, &str)] = &[
    ("Lin Xiaoyu", "Mandarin"),
    ("Chen Mo", "Mandarin"),
    ("Wong Ka-lok", "Cantonese"),
    ("Aiko Tanabe", "Japanese"),
    ("Kenji Mori", "Japanese"),
    ("Park Seo-yeon", "Korean"),
    ("Ingrid Holm", "Swedish"),
    ("Marco Bellini", "Italian"),
    ("Claire Dubois", "French"),
    ("Tomasz Nowak", "Polish"),
    ("Lucía Romero", "Spanish"),
    ("Anand Iyer", "Tamil"),
    ("Farah Nazari", "Persian"),
    ("Olu Adeyemi", "Yoruba"),
    ("Hannah Weiss", "German"),
    ("James Whitfield", "English"),
];

/// One film of the chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Film {
    /// 1-based rank, also the film's number in `/film/{rank}`.
    pub(crate) rank: usize,
    /// `遥远的海 The Distant Sea`.
    pub(crate) title: String,
    pub(crate) year: u32,
    pub(crate) director: &'static str,
    pub(crate) language: &'static str,
    /// The rating times ten (97 is 9.7).
    pub(crate) rating_tenths: u32,
    pub(crate) votes: u64,
}

impl Film {
    /// The rating as shown: `9.7`.
    pub(crate) fn rating(&self) -> String {
        format!("{}.{}", self.rating_tenths / 10, self.rating_tenths % 10)
    }

    /// The chart page (1-based) that lists this film.
    pub(crate) fn chart_page(&self) -> usize {
        chart_page_of(self.rank)
    }
}

/// The chart page (1-based) listing the film ranked `rank`.
pub(crate) fn chart_page_of(rank: usize) -> usize {
    (rank.max(1) - 1) / PER_PAGE + 1
}

/// Which adjective/noun pair each rank gets: a seeded shuffle of all pairs, so no two films
/// share a title. Index `rank - 1`.
fn title_pairs(seed: u64) -> Vec<usize> {
    let mut pairs: Vec<usize> = (0..ADJECTIVES.len() * NOUNS.len()).collect();
    let mut rng = SplitMix64::stream(seed, Domain::FilmTitles, 0);
    for i in (1..pairs.len()).rev() {
        pairs.swap(i, rng.below(i + 1));
    }
    pairs.truncate(FILMS);
    pairs
}

/// The film ranked `rank` (1..=[`FILMS`]), or `None` outside the chart.
pub(crate) fn film(seed: u64, rank: usize) -> Option<Film> {
    if !(1..=FILMS).contains(&rank) {
        return None;
    }
    let pair = title_pairs(seed)[rank - 1];
    let (adj_zh, adj_en) = ADJECTIVES[pair / NOUNS.len()];
    let (noun_zh, noun_en) = NOUNS[pair % NOUNS.len()];
    let mut rng = SplitMix64::stream(seed, Domain::Films, rank as u64);
    let (director, language) = DIRECTORS[rng.below(DIRECTORS.len())];
    Some(Film {
        rank,
        title: format!("{adj_zh}{noun_zh} The {adj_en} {noun_en}"),
        year: 1950 + rng.below(75) as u32,
        director,
        language,
        // 9.7 for the first films down to 8.3 for the last: a chart sorted by rating.
        rating_tenths: 97 - ((rank - 1) * 15 / FILMS) as u32,
        votes: 20_000 + rng.below(980_000) as u64,
    })
}

/// Every film of the chart, in rank order.
pub(crate) fn chart(seed: u64) -> Vec<Film> {
    (1..=FILMS).filter_map(|rank| film(seed, rank)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_chart_has_250_unique_films_with_falling_ratings() {
        let films = chart(1);
        assert_eq!(films.len(), FILMS);
        assert_eq!(CHART_PAGES, 10);
        let titles: HashSet<&str> = films.iter().map(|f| f.title.as_str()).collect();
        assert_eq!(titles.len(), FILMS, "titles are unique");
        assert!(films
            .windows(2)
            .all(|w| w[0].rating_tenths >= w[1].rating_tenths));
        assert_eq!(films[0].rating(), "9.7");
        assert!(films.iter().all(|f| (1950..2025).contains(&f.year)));
        assert!(films[0].title.contains(" The "));
        assert_eq!(film(1, 0), None);
        assert_eq!(film(1, FILMS + 1), None);
    }

    #[test]
    fn same_seed_same_films_other_seed_other_films() {
        assert_eq!(chart(7), chart(7));
        assert_ne!(chart(7), chart(8));
    }

    #[test]
    fn chart_pages_hold_25_films() {
        assert_eq!(chart_page_of(1), 1);
        assert_eq!(chart_page_of(25), 1);
        assert_eq!(chart_page_of(26), 2);
        assert_eq!(chart_page_of(250), 10);
    }
}
