#!/usr/bin/env python3
"""Generates the bundled demo site under web/demo/: "Silk Films", a fictional Top 250
catalogue shaped like the douban chart the original coroutine notes crawled.

Why a generator: 270 pages written by hand would drift; this script is the single source
of truth and its output is committed, so the playground works from any static server
without running anything. It is deterministic (its own tiny PRNG, no `random`), so
re-running it produces byte-identical files. Run: python3 web/demo/generate.py

What a crawl of demo/index.html meets, on purpose:
  * 10 list pages of 25 films with rank, rating and a paginator with a next link;
  * 250 detail pages with title, rating, director, language (some Chinese text);
  * 5 detail pages that are linked but missing (404): reported, not fatal;
  * film/3.html stored as GBK bytes with <meta charset="gbk"> (a static server sends no
    charset, so the engine must sniff the meta);
  * top250.html, a <meta http-equiv="refresh"> page: the only way to the chart;
  * private/staff.html, disallowed by web/robots.txt (when web/ is the server root);
  * lab/xss.html (not linked): hostile title and fields for the playground's XSS test.
    `silk serve` serves lab/ from a port of its own (see native/src/serve/lab.rs).
Ground truth for tests is written to expected.json.
"""

import html
import json
import os
import shutil

ROOT = os.path.dirname(os.path.abspath(__file__))
FILMS = 250
PER_PAGE = 25
MISSING = [37, 88, 142, 199, 231]  # linked from the chart, but no file: 404
GBK_FILM = 3                        # stored as GBK bytes

ADJECTIVES = [
    ("Silent", "沉默的"), ("Golden", "金色的"), ("Last", "最后的"), ("Distant", "遥远的"),
    ("Hidden", "隐秘的"), ("Broken", "破碎的"), ("Endless", "无尽的"), ("Little", "小小的"),
    ("Wandering", "流浪的"), ("Burning", "燃烧的"), ("Frozen", "冰封的"), ("Secret", "秘密的"),
    ("Midnight", "午夜的"), ("Forgotten", "被遗忘的"), ("Eternal", "永恒的"), ("Crimson", "深红的"),
]
NOUNS = [
    ("River", "河"), ("Garden", "花园"), ("Train", "列车"), ("Letter", "来信"),
    ("Mountain", "山"), ("Harbor", "港湾"), ("Kingdom", "王国"), ("Summer", "夏天"),
    ("Lantern", "灯笼"), ("Orchard", "果园"), ("Bridge", "桥"), ("Island", "岛"),
    ("Station", "车站"), ("Moon", "月亮"), ("Teahouse", "茶馆"), ("Horizon", "地平线"),
]
# (name, language): each fictional director works in one language.
DIRECTORS = [
    ("王家明 Wang Jiaming", "汉语普通话 Mandarin"),
    ("陈静 Chen Jing", "汉语普通话 Mandarin"),
    ("李安平 Li Anping", "汉语普通话 Mandarin"),
    ("黄少文 Wong Siu-man", "粤语 Cantonese"),
    ("Akira Mori", "Japanese"),
    ("Yui Tanaka", "Japanese"),
    ("Kim Ji-woo", "Korean"),
    ("Léa Dubois", "French"),
    ("Marco Bellini", "Italian"),
    ("Ingrid Holm", "Swedish"),
    ("Ana Souza", "Portuguese"),
    ("James Whitfield", "English"),
    ("Grace Okafor", "English"),
    ("Priya Raman", "Hindi"),
    ("Omar Haddad", "Arabic"),
    ("Elena Petrova", "Russian"),
]


class Prng:
    """A 32-bit LCG (Numerical Recipes constants): stable across Python versions."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def next(self):
        self.state = (1664525 * self.state + 1013904223) & 0xFFFFFFFF
        return self.state

    def below(self, n):
        return (self.next() >> 8) % n  # the low bits of an LCG cycle quickly


def films():
    """The 250 films in rank order, as dicts."""
    rng = Prng(250)
    combos = [(a, n) for a in ADJECTIVES for n in NOUNS]
    for i in range(len(combos) - 1, 0, -1):  # Fisher-Yates with our own PRNG
        j = rng.below(i + 1)
        combos[i], combos[j] = combos[j], combos[i]
    out = []
    for rank in range(1, FILMS + 1):
        (adj_en, adj_cn), (noun_en, noun_cn) = combos[rank - 1]
        director, language = DIRECTORS[rng.below(len(DIRECTORS))]
        if rank == GBK_FILM:  # the GBK page is a Chinese film (its text must fit in GBK)
            director, language = DIRECTORS[0]
        rating = 9.7 - (rank - 1) * 1.4 / (FILMS - 1)
        out.append({
            "rank": rank,
            "title": f"{adj_cn}{noun_cn} The {adj_en} {noun_en}",
            "title_en": f"The {adj_en} {noun_en}",
            "title_cn": f"{adj_cn}{noun_cn}",
            "noun_cn": noun_cn,
            "year": 1950 + rng.below(74),
            "rating": f"{rating:.1f}",
            "votes": 20000 + rng.below(2000000),
            "director": director,
            "language": language,
        })
    return out


def esc(text):
    return html.escape(text, quote=True)


def page(title, body, *, depth, charset="utf-8", head_extra=""):
    """Common page chrome. `depth` is how many directories below demo/ the page lives."""
    up = "../" * depth
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="{charset}">
{head_extra}<title>{esc(title)}</title>
<link rel="stylesheet" href="{up}demo.css">
</head>
<body>
<header class="site"><a href="{up}index.html">Silk Films</a> <a href="{up}top250/page-1.html">Top 250</a></header>
<main>
{body}
</main>
<footer class="site">A fictional catalogue for crawling practice &middot; generated by web/demo/generate.py</footer>
</body>
</html>
"""


def summary(f):
    if "Mandarin" in f["language"] or "Cantonese" in f["language"]:
        return (f"一个关于{f['noun_cn']}的故事。"
                f"导演{f['director'].split()[0]}用{f['year']}年的镜头讲述了等待与希望。")
    return (f"{f['title_en']} follows a family through one {f['title_en'].split()[-1].lower()} "
            f"and the year {f['year']}. Directed by {f['director']}.")


def list_page_of(rank):
    return (rank - 1) // PER_PAGE + 1


def film_page(f):
    n = list_page_of(f["rank"])
    body = f"""<article class="film" id="film-{f['rank']}">
<p class="crumbs"><a href="../top250/page-{n}.html">Top 250</a> &rsaquo; No.<span class="rank">{f['rank']}</span></p>
<h1><span class="title">{esc(f['title'])}</span> <span class="year">({f['year']})</span></h1>
<dl class="info">
<dt>导演 Director</dt><dd class="director">{esc(f['director'])}</dd>
<dt>语言 Language</dt><dd class="language">{esc(f['language'])}</dd>
<dt>评分 Rating</dt><dd><strong class="rating">{f['rating']}</strong> (<span class="votes">{f['votes']}</span> votes)</dd>
</dl>
<p class="summary">{esc(summary(f))}</p>
<p><a class="back" href="../top250/page-{n}.html">&larr; back to the chart</a></p>
</article>"""
    charset = "gbk" if f["rank"] == GBK_FILM else "utf-8"
    return page(f"{f['title']} ({f['year']}) · Silk Films", body, depth=1, charset=charset)


def list_page(n, all_films):
    items = []
    for f in all_films[(n - 1) * PER_PAGE:n * PER_PAGE]:
        items.append(
            f'<li class="item"><span class="rank">{f["rank"]}</span> '
            f'<a class="title" href="../film/{f["rank"]}.html">{esc(f["title"])}</a> '
            f'<span class="rating">{f["rating"]}</span> <span class="year">{f["year"]}</span></li>'
        )
    pager = []
    if n > 1:
        pager.append(f'<a class="prev" href="page-{n - 1}.html">&lsaquo; Prev</a>')
    for k in range(1, FILMS // PER_PAGE + 1):
        pager.append(f'<span class="current">{k}</span>' if k == n else f'<a href="page-{k}.html">{k}</a>')
    if n < FILMS // PER_PAGE:
        pager.append(f'<a class="next" href="page-{n + 1}.html">Next &rsaquo;</a>')
    body = (f'<h1>Top 250 &middot; page {n}</h1>\n<ol class="chart" start="{(n - 1) * PER_PAGE + 1}">\n'
            + "\n".join(items) + f'\n</ol>\n<nav class="paginator">{" ".join(pager)}</nav>')
    return page(f"Top 250 · page {n} · Silk Films", body, depth=1)


def index_page():
    body = """<h1>Silk Films 豆瓣风格电影榜</h1>
<p>A fictional <em>Top 250</em> in the shape of the chart the original coroutine notes crawled:
ten list pages of 25 films, a detail page per film (title, rating, director, language).</p>
<ul class="links">
<li><a href="top250.html">Top 250 chart</a> (an old address: it forwards with a meta refresh)</li>
<li><a href="private/staff.html">Staff only</a> (robots.txt asks crawlers to stay out)</li>
</ul>
<p>Some detail pages are gone (404), one is stored in GBK, and nothing here needs JavaScript.</p>"""
    return page("Silk Films · Top 250", body, depth=0)


def refresh_page():
    body = """<h1>The chart has moved</h1>
<p>It now lives at <code>top250/page-1.html</code>. Browsers follow the meta refresh in this
page's head; silk treats the refresh target as a link.</p>"""
    return page("Moved · Silk Films", body, depth=0,
                head_extra='<meta http-equiv="refresh" content="0; url=top250/page-1.html">\n')


def private_page():
    body = "<h1>Staff only</h1><p>robots.txt disallows <code>/demo/private/</code>.</p>"
    return page("Staff · Silk Films", body, depth=1)


# Hostile content: payloads as escaped text AND as raw markup inside field elements. The
# playground must show all of it as text; window.__xss must stay undefined over there.
XSS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title><script>window.__xss='title-raw'</script> &lt;img src=x onerror="window.__xss='title-entity'"&gt;</title>
</head>
<body>
<main>
<article class="film" id="film-xss">
<h1><span class="title">&lt;script&gt;window.__xss='h1-entity'&lt;/script&gt;&lt;img src=x onerror="window.__xss='h1-img'"&gt;</span></h1>
<dl class="info">
<dt>Director</dt><dd class="director"><img src=x onerror="window.__xss='raw-img'"><script>window.__xss='raw-script'</script><b>Mallory</b> &lt;/dd&gt;&lt;script&gt;window.__xss='dd-entity'&lt;/script&gt;</dd>
<dt>Language</dt><dd class="language"><svg onload="window.__xss='svg'"><circle r="1"/></svg>&lt;svg onload="window.__xss='svg-entity'"&gt;</dd>
<dt>Rating</dt><dd><strong class="rating">&lt;img src=x onerror=window.__xss=3&gt;9.9</strong></dd>
</dl>
<p><a href="javascript:window.__xss='href'">a javascript: link (never crawled)</a>
<iframe srcdoc="&lt;script&gt;parent.__xss='iframe'&lt;/script&gt;"></iframe></p>
</article>
</main>
</body>
</html>
"""

CSS = """body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#f7f5f0;line-height:1.5}
header.site,footer.site{background:#2f4a3a;color:#fff;padding:.5rem 1rem}
header.site a{color:#e8f3ea;margin-right:1rem}
footer.site{background:none;color:#777;font-size:.85rem;text-align:center}
main{max-width:48rem;margin:1rem auto;padding:0 1rem}
.chart li{margin:.2rem 0}.rating{color:#c47f00;font-weight:600}.year,.votes{color:#777}
.paginator a,.paginator span{margin-right:.4rem}.paginator .current{font-weight:700}
dl.info{display:grid;grid-template-columns:10rem 1fr;gap:.2rem .8rem}dt{color:#666}
"""

ROBOTS = """# Served at the root of `silk serve` (and of any static server rooted at web/).
User-agent: *
Disallow: /demo/private/
"""


def write(rel, text, encoding="utf-8"):
    path = os.path.join(ROOT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(text.encode(encoding))


def main():
    for sub in ("film", "top250", "private", "lab"):
        shutil.rmtree(os.path.join(ROOT, sub), ignore_errors=True)
    all_films = films()
    write("demo.css", CSS)
    write("index.html", index_page())
    write("top250.html", refresh_page())
    write("private/staff.html", private_page())
    write("lab/xss.html", XSS_PAGE)
    for n in range(1, FILMS // PER_PAGE + 1):
        write(f"top250/page-{n}.html", list_page(n, all_films))
    for f in all_films:
        if f["rank"] in MISSING:
            continue
        write(f"film/{f['rank']}.html", film_page(f), "gbk" if f["rank"] == GBK_FILM else "utf-8")
    write(os.path.join("..", "robots.txt"), ROBOTS)

    # Ground truth: every page a full crawl from index.html records, each exactly once.
    pages = [{"path": "index.html", "status": 200},
             {"path": "top250.html", "status": 200},
             {"path": "private/staff.html", "status": 200, "robots_kind": "robots"}]
    pages += [{"path": f"top250/page-{n}.html", "status": 200} for n in range(1, 11)]
    for f in all_films:
        missing = f["rank"] in MISSING
        pages.append({"path": f"film/{f['rank']}.html", "status": 404 if missing else 200,
                      **({"kind": "http"} if missing else {})})
    expected = {
        "start": "index.html",
        "note": "robots_kind applies when web/ is the server root (web/robots.txt is then /robots.txt)",
        "pages": pages,
        "missing": MISSING,
        "gbk": GBK_FILM,
        "films": {str(f["rank"]): {k: f[k] for k in ("title", "rating", "director", "language")}
                  for f in all_films},
        "fields": [
            {"name": "title", "selector": "h1 .title"},
            {"name": "rating", "selector": ".film .rating"},
            {"name": "director", "selector": ".director"},
            {"name": "language", "selector": ".language"},
        ],
    }
    write("expected.json", json.dumps(expected, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
