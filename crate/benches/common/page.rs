//! A realistic, deterministic HTML page for extraction benchmarks and tests: a shop's
//! category listing (head with meta tags, inline CSS and script, a navigation bar, a grid of
//! product cards with images, prices and tags, pagination, a long footer), generated to a
//! target size. Real pages are tag-dense like this; the arena's product pages are mostly
//! filler text and flatter the parser.

/// A listing page of about `target_bytes` bytes (never less).
#[allow(dead_code)]
pub fn listing_page(target_bytes: usize, seed: u64) -> String {
    let mut rng = seed ^ 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        rng = rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    const WORDS: &[&str] = &[
        "kettle", "lamp", "sturdy", "oak", "handmade", "linen", "cotton", "ceramic", "vintage",
        "compact", "garden", "steel", "walnut", "blue", "travel", "quiet", "warm", "classic",
        "bright", "soft", "pocket", "studio", "daily", "organic",
    ];
    let mut out = String::with_capacity(target_bytes + 8192);
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\" class=\"no-js\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Kitchen &amp; Dining | Shop</title>\n\
         <meta name=\"description\" content=\"Kettles, lamps &amp; more\">\n\
         <link rel=\"stylesheet\" href=\"/static/site.css?v=3\">\n\
         <link rel=\"canonical\" href=\"https://shop.example/c/kitchen\">\n\
         <style>.card{display:inline-block;width:240px}.price{color:#c00}.tag{font-size:80%}</style>\n\
         <script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}\
         var tpl='<a href=\"/not-a-link\">x</a>';if(a<b&&c>d){gtag('js',new Date())}</script>\n\
         </head>\n<body class=\"listing page-kitchen\">\n<!-- header -->\n\
         <header id=\"top\"><div class=\"wrap\"><a class=\"logo\" href=\"/\"><img src=\"/logo.svg\" alt=\"Shop\"></a>\n\
         <form action=\"/search\" method=\"get\"><input type=\"search\" name=\"q\" placeholder=\"Search\">\
         <button type=\"submit\">Go</button></form>\n<nav class=\"main-nav\"><ul>\n",
    );
    for (i, w) in WORDS.iter().enumerate() {
        out.push_str(&format!(
            "<li class=\"nav-item\"><a href=\"/c/{w}?ref=nav&amp;pos={i}\" title=\"{w}\">{w}</a></li>\n"
        ));
    }
    out.push_str(
        "</ul></nav></div></header>\n<main id=\"content\">\n<nav class=\"breadcrumbs\" aria-label=\"breadcrumb\">\
         <a href=\"/\">Home</a> &rsaquo; <a href=\"/c/home\">Home &amp; Living</a> &rsaquo; <span>Kitchen</span></nav>\n\
         <h1 class=\"page-title\">Kitchen <em>&amp;</em> Dining</h1>\n<div class=\"grid\">\n",
    );
    let footer = "</div>\n<nav class=\"pagination\"><a href=\"?page=1\">1</a> <a href=\"?page=2\" rel=\"next\">2</a> \
         <a href=\"?page=3\">3</a></nav>\n</main>\n<footer class=\"site-footer\"><div class=\"cols\">\
         <ul><li><a href=\"/about\">About</a></li><li><a href=\"/help/shipping\">Shipping</a></li>\
         <li><a href=\"mailto:help@shop.example\">Email us</a></li><li><a href=\"javascript:void(0)\">Cookies</a></li></ul>\
         <p>&copy; 2026 Shop &mdash; all rights reserved.</p></div></footer>\n\
         <script src=\"/static/app.js\" defer></script>\n</body>\n</html>\n";
    let mut id = 1000u64;
    while out.len() + footer.len() < target_bytes {
        id += 1 + next() % 7;
        let w1 = WORDS[(next() % WORDS.len() as u64) as usize];
        let w2 = WORDS[(next() % WORDS.len() as u64) as usize];
        let cents = 199 + next() % 20000;
        out.push_str(&format!(
            "<div class=\"card product\" data-id=\"{id}\" data-category=\"kitchen\">\n\
             <a class=\"thumb\" href=\"/p/{id}-{w1}-{w2}\"><img src=\"/img/{id}/thumb.jpg\" \
             srcset=\"/img/{id}/thumb@2x.jpg 2x\" alt=\"{w1} {w2}\" width=\"240\" height=\"240\" loading=\"lazy\"></a>\n\
             <h2 class=\"name\"><a href=\"/p/{id}-{w1}-{w2}\">{W1} {w2} &amp; {w1}</a></h2>\n\
             <div class=\"meta\"><span class=\"price\" itemprop=\"price\">${}.{:02}</span> \
             <span class=\"rating\" title=\"4 of 5\">&#9733;&#9733;&#9733;&#9733;&#9734;</span> \
             <span class=\"stock in\">In stock</span></div>\n\
             <p class=\"desc\">A {w1} {w2} for everyday use. Made of {w2}, easy to clean &mdash; \
             ships in 2&ndash;3 days.</p>\n<ul class=\"tags\"><li><a class=\"tag\" href=\"/t/{w1}\">{w1}</a></li>\
             <li><a class=\"tag\" href=\"/t/{w2}\">{w2}</a></li></ul>\n\
             <button class=\"add\" data-sku=\"SKU-{id}\">Add to cart</button>\n</div>\n",
            cents / 100,
            cents % 100,
            W1 = w1.to_uppercase(),
        ));
    }
    out.push_str(footer);
    out
}

/// A page shaped like the arena's product pages (`silk arena`): head with inline CSS,
/// navigation, a product block, ten related links, then filler paragraphs up to
/// `target_bytes`. Mostly text, so parsers look faster on it than on a listing page.
#[allow(dead_code)]
pub fn arena_like_product(target_bytes: usize) -> String {
    let mut out = String::with_capacity(target_bytes + 4096);
    out.push_str(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Product 17 | Arena</title>\n<style>\nbody{font-family:system-ui;margin:0}\n\
         .site-header{background:#1d3557;color:#fff}\n.price{color:#e63946}\n</style>\n</head>\n<body>\n\
         <header class=\"site-header\"><nav>\n<a href=\"/\">Home</a>\n<a href=\"#reviews\">Reviews</a>\n\
         <a class=\"menu-toggle\">Menu</a>\n<a href=\"mailto:shop@arena.invalid\">Contact</a>\n\
         <a href=\"javascript:void(0)\">Cart (0)</a>\n</nav></header>\n<main>\n\
         <article class=\"product\" id=\"top\">\n<p class=\"breadcrumbs\"><a href=\"/\">Home</a> &rsaquo; \
         <span class=\"category\">Kitchen</span></p>\n<h1>Product 17</h1>\n<p class=\"name\">Sturdy Teapot</p>\n\
         <div class=\"buy\"><span class=\"price\">$12.34</span> <span class=\"stock\">3 in stock</span></div>\n\
         <p class=\"lead\">Lorem ipsum dolor sit amet.</p>\n<section class=\"related\"><h2>Related products</h2>\n<ul>\n",
    );
    for (k, href) in [
        "/p/18",
        "42",
        "./7",
        "../p/99",
        "http://127.0.0.1:8090/p/5",
        "HTTP://127.0.0.1:8090/p/6",
        "/p/8#top",
        "/p/./9",
        "/p/x/../10",
        "//127.0.0.1:8090/p/11",
    ]
    .iter()
    .enumerate()
    {
        out.push_str(&format!(
            "<li><a href=\"{href}\" class=\"related\">Gentle Lamp (Product {k})</a></li>\n"
        ));
    }
    out.push_str("</ul>\n</section>\n<section class=\"description\"><h2>Description</h2>\n");
    let tail = "</section>\n<section id=\"reviews\"><h2>Reviews</h2>\n<p class=\"review\">Great.</p>\n</section>\n</article>\n\
                </main>\n<footer class=\"site-footer\"><p>Arena is a synthetic shop. <a href=\"/\">Home</a> &middot; \
                <a href=\"/private/open\">Staff notice</a></p></footer>\n</body>\n</html>\n";
    let words = [
        "lorem",
        "ipsum",
        "dolor",
        "sit",
        "amet",
        "consectetur",
        "adipiscing",
        "elit",
        "sed",
        "tempor",
    ];
    let mut k = 0usize;
    while out.len() + tail.len() < target_bytes {
        out.push_str("<p>");
        for s in 0..6 {
            for w in 0..12 {
                out.push_str(words[(k * 7 + s * 3 + w) % words.len()]);
                out.push(if w == 11 { '.' } else { ' ' });
            }
            out.push(' ');
            k += 1;
        }
        out.push_str("</p>\n");
    }
    out.push_str(tail);
    out
}
