//! The tag names the tree builder treats specially, and html5ever's categories of them
//! (special, formatting, the scopes, implied end tags). Tables rather than prose: each set
//! is copied from html5ever's `tag_sets.rs` or the insertion-mode rules that name it.

/// Tags the tree builder treats specially; everything else is `Other`.
#[rustfmt::skip]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum T {
    A, Address, Applet, Area, Article, Aside, B, Base, Basefont, Bgsound, Big, Blockquote,
    Body, Br, Button, Caption, Center, Code, Col, Colgroup, Dd, Details, Dialog, Dir, Div,
    Dl, Dt, Em, Embed, Fieldset, Figcaption, Figure, Font, Footer, Form, Frame, Frameset, H1,
    H2, H3, H4, H5, H6, Head, Header, Hgroup, Hr, Html, I, Iframe, Image, Img, Input, Isindex,
    Keygen, Li, Link, Listing, Main, Marquee, Math, Menu, Meta, Nav, Nobr, Noembed, Noframes,
    Noscript, Object, Ol, Optgroup, Option, P, Param, Plaintext, Pre, Rb, Rp, Rt, Rtc, S,
    Script, Search, Section, Select, Selectedcontent, Small, Source, Strike, Strong, Style,
    Summary, Svg, Table, Tbody, Td, Template, Textarea, Tfoot, Th, Thead, Title, Tr, Track,
    Tt, U, Ul, Wbr, Xmp, Other,
}

#[rustfmt::skip]
pub(super) fn classify(name: &str) -> T {
    use T::*;
    match name {
        "a" => A, "address" => Address, "applet" => Applet, "area" => Area,
        "article" => Article, "aside" => Aside, "b" => B, "base" => Base,
        "basefont" => Basefont, "bgsound" => Bgsound, "big" => Big,
        "blockquote" => Blockquote, "body" => Body, "br" => Br, "button" => Button,
        "caption" => Caption, "center" => Center, "code" => Code, "col" => Col,
        "colgroup" => Colgroup, "dd" => Dd, "details" => Details, "dialog" => Dialog,
        "dir" => Dir, "div" => Div, "dl" => Dl, "dt" => Dt, "em" => Em, "embed" => Embed,
        "fieldset" => Fieldset, "figcaption" => Figcaption, "figure" => Figure,
        "font" => Font, "footer" => Footer, "form" => Form, "frame" => Frame,
        "frameset" => Frameset, "h1" => H1, "h2" => H2, "h3" => H3, "h4" => H4, "h5" => H5,
        "h6" => H6, "head" => Head, "header" => Header, "hgroup" => Hgroup, "hr" => Hr,
        "html" => Html, "i" => I, "iframe" => Iframe, "image" => Image, "img" => Img,
        "input" => Input, "isindex" => Isindex, "keygen" => Keygen, "li" => Li,
        "link" => Link, "listing" => Listing, "main" => Main, "marquee" => Marquee,
        "math" => Math, "menu" => Menu, "meta" => Meta, "nav" => Nav, "nobr" => Nobr,
        "noembed" => Noembed, "noframes" => Noframes, "noscript" => Noscript,
        "object" => Object, "ol" => Ol, "optgroup" => Optgroup, "option" => Option,
        "p" => P, "param" => Param, "plaintext" => Plaintext, "pre" => Pre, "rb" => Rb,
        "rp" => Rp, "rt" => Rt, "rtc" => Rtc, "s" => S, "script" => Script,
        "search" => Search, "section" => Section, "select" => Select,
        "selectedcontent" => Selectedcontent, "small" => Small, "source" => Source,
        "strike" => Strike, "strong" => Strong, "style" => Style, "summary" => Summary,
        "svg" => Svg, "table" => Table, "tbody" => Tbody, "td" => Td, "template" => Template,
        "textarea" => Textarea, "tfoot" => Tfoot, "th" => Th, "thead" => Thead,
        "title" => Title, "tr" => Tr, "track" => Track, "tt" => Tt, "u" => U, "ul" => Ul,
        "wbr" => Wbr, "xmp" => Xmp,
        _ => Other,
    }
}

/// html5ever's "special" category.
pub(super) fn special(t: T) -> bool {
    use T::*;
    matches!(
        t,
        Address
            | Applet
            | Area
            | Article
            | Aside
            | Base
            | Basefont
            | Bgsound
            | Blockquote
            | Body
            | Br
            | Button
            | Caption
            | Center
            | Col
            | Colgroup
            | Dd
            | Details
            | Dir
            | Div
            | Dl
            | Dt
            | Embed
            | Fieldset
            | Figcaption
            | Figure
            | Footer
            | Form
            | Frame
            | Frameset
            | H1
            | H2
            | H3
            | H4
            | H5
            | H6
            | Head
            | Header
            | Hgroup
            | Hr
            | Html
            | Iframe
            | Img
            | Input
            | Isindex
            | Li
            | Link
            | Listing
            | Main
            | Marquee
            | Menu
            | Meta
            | Nav
            | Noembed
            | Noframes
            | Noscript
            | Object
            | Ol
            | P
            | Param
            | Plaintext
            | Pre
            | Script
            | Section
            | Select
            | Source
            | Style
            | Summary
            | Table
            | Tbody
            | Td
            | Template
            | Textarea
            | Tfoot
            | Th
            | Thead
            | Title
            | Tr
            | Track
            | Ul
            | Wbr
            | Xmp
    )
}

pub(super) fn formatting(t: T) -> bool {
    use T::*;
    matches!(
        t,
        A | B | Big | Code | Em | Font | I | Nobr | S | Small | Strike | Strong | Tt | U
    )
}

pub(super) fn heading(t: T) -> bool {
    matches!(t, T::H1 | T::H2 | T::H3 | T::H4 | T::H5 | T::H6)
}

/// Elements popped by "generate implied end tags".
pub(super) fn implied_end(t: T) -> bool {
    use T::*;
    matches!(t, Dd | Dt | Li | Option | Optgroup | P | Rb | Rp | Rt | Rtc)
}

pub(super) fn default_scope(t: T) -> bool {
    use T::*;
    matches!(
        t,
        Applet | Caption | Html | Table | Td | Th | Marquee | Object | Select | Template
    )
}

pub(super) fn button_scope(t: T) -> bool {
    default_scope(t) || t == T::Button
}

pub(super) fn list_item_scope(t: T) -> bool {
    default_scope(t) || t == T::Ol || t == T::Ul
}

pub(super) fn table_scope(t: T) -> bool {
    matches!(t, T::Html | T::Table | T::Template)
}
