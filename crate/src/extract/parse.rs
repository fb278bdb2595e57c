//! html5ever within the budget: the scraper path's parser. `Html::parse_document` has two
//! costs a hostile page controls. html5ever checks each attribute of a tag against the
//! tag's earlier ones (quadratic: a 10 MiB tag with a million attributes takes hours), and
//! its scope checks walk the stack of open elements (a page of a million nested `<div>`s is
//! quadratic again). So:
//!
//! - the page is first read by the fast path's tokenizer ([`prescan`]), and the attributes
//!   past [`MAX_ATTRS`] of any tag are cut from the text (html5ever would keep the first of
//!   duplicates anyway); that read is linear;
//! - html5ever then gets the page in [`CHUNK`]-byte pieces, through a tree sink that tracks
//!   each element's depth; once an element is nested deeper than [`MAX_DEPTH`], no more
//!   input is given and the document ends there.
//!
//! Every cut is noted in [`Cuts`]. The pre-scan reads raw text (`<script>`, `<style>`...)
//! as html5ever does in HTML content; where the two could disagree (`<select><iframe>`, the
//! escaped script states), a tag hidden from the pre-scan stays uncut, a known limit.

use super::budget::{Cuts, FingerprintHasher, MAX_ATTRS, MAX_DEPTH};
use super::fast::prescan;
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName};
use scraper::{Html, HtmlTreeSink};
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::rc::Rc;

/// Bytes given to html5ever at a time: the parse stops at most this far past the point
/// where the depth budget was exceeded.
pub const CHUNK: usize = 8 * 1024;

/// Parses a whole document within the budget (see the module docs), noting cuts in `cuts`.
pub fn parse_document(html: &str, cuts: &mut Cuts) -> Html {
    // html5ever reads CR and CRLF as LF; the pre-scan must see the same separators.
    let html: Cow<str> = if html.contains('\r') {
        Cow::Owned(html.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(html)
    };
    let html = trim_attributes(&html, cuts);
    parse_bounded(&html, cuts)
}

/// `html` with the attributes past [`MAX_ATTRS`] of every tag cut out.
fn trim_attributes<'h>(html: &'h str, cuts: &mut Cuts) -> Cow<'h, str> {
    let trims = prescan(html);
    if trims.ranges.is_empty() && trims.end_at.is_none() {
        return Cow::Borrowed(html);
    }
    let end = trims.end_at.unwrap_or(html.len());
    let mut out = String::with_capacity(end);
    let mut at = 0;
    let mut tags = 0;
    for range in trims.ranges.iter().filter(|r| r.end <= end) {
        out.push_str(&html[at..range.start]);
        at = range.end;
        tags += 1;
    }
    out.push_str(&html[at..end]);
    if trims.end_at.is_some() {
        tags += 1;
    }
    cuts.note(format!(
        "{tags} tags with more than {MAX_ATTRS} attributes: the rest of their attributes were ignored"
    ));
    Cow::Owned(out)
}

fn parse_bounded(html: &str, cuts: &mut Cuts) -> Html {
    let too_deep = Rc::new(Cell::new(false));
    let sink = DepthSink {
        inner: HtmlTreeSink::new(Html::new_document()),
        depth: RefCell::default(),
        too_deep: too_deep.clone(),
    };
    let mut parser = html5ever::driver::parse_document(sink, Default::default());
    let mut at = 0;
    while at < html.len() {
        let mut end = (at + CHUNK).min(html.len());
        while !html.is_char_boundary(end) {
            end += 1;
        }
        parser.process(StrTendril::from_slice(&html[at..end]));
        at = end;
        if too_deep.get() && at < html.len() {
            cuts.note(format!(
                "elements nested more than {MAX_DEPTH} deep: the page was cut at byte {at} of {}",
                html.len()
            ));
            break;
        }
    }
    parser.finish()
}

/// ego_tree's node id, named through scraper's sink (ego_tree is not a direct dependency).
type NodeId = <HtmlTreeSink as TreeSink>::Handle;
type Depths = HashMap<NodeId, u32, BuildHasherDefault<FingerprintHasher>>;

/// scraper's tree sink, plus the depth of every element it appends.
struct DepthSink {
    inner: HtmlTreeSink,
    depth: RefCell<Depths>,
    too_deep: Rc<Cell<bool>>,
}

impl DepthSink {
    fn depth_of(&self, node: &NodeId) -> u32 {
        self.depth.borrow().get(node).copied().unwrap_or(0)
    }

    fn placed(&self, child: &NodeOrText<NodeId>, depth: u32) {
        if let NodeOrText::AppendNode(node) = child {
            self.depth.borrow_mut().insert(*node, depth);
            if depth as usize > MAX_DEPTH {
                self.too_deep.set(true);
            }
        }
    }
}

impl TreeSink for DepthSink {
    type Handle = NodeId;
    type Output = Html;
    type ElemName<'a> = <HtmlTreeSink as TreeSink>::ElemName<'a>;

    fn finish(self) -> Html {
        self.inner.finish()
    }
    fn parse_error(&self, msg: Cow<'static, str>) {
        self.inner.parse_error(msg)
    }
    fn get_document(&self) -> NodeId {
        self.inner.get_document()
    }
    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Self::ElemName<'a> {
        self.inner.elem_name(target)
    }
    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> NodeId {
        self.inner.create_element(name, attrs, flags)
    }
    fn create_comment(&self, text: StrTendril) -> NodeId {
        self.inner.create_comment(text)
    }
    fn create_pi(&self, target: StrTendril, data: StrTendril) -> NodeId {
        self.inner.create_pi(target, data)
    }
    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        self.placed(&child, self.depth_of(parent) + 1);
        self.inner.append(parent, child)
    }
    fn append_based_on_parent_node(
        &self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        let depth = self.depth_of(element).max(self.depth_of(prev_element)) + 1;
        self.placed(&child, depth);
        self.inner
            .append_based_on_parent_node(element, prev_element, child)
    }
    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        self.inner
            .append_doctype_to_document(name, public_id, system_id)
    }
    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        self.inner.get_template_contents(target)
    }
    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        self.inner.same_node(x, y)
    }
    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode)
    }
    fn append_before_sibling(&self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        self.placed(&new_node, self.depth_of(sibling));
        self.inner.append_before_sibling(sibling, new_node)
    }
    fn add_attrs_if_missing(&self, target: &NodeId, attrs: Vec<Attribute>) {
        self.inner.add_attrs_if_missing(target, attrs)
    }
    fn associate_with_form(
        &self,
        target: &NodeId,
        form: &NodeId,
        nodes: (&NodeId, Option<&NodeId>),
    ) {
        self.inner.associate_with_form(target, form, nodes)
    }
    fn remove_from_parent(&self, target: &NodeId) {
        self.inner.remove_from_parent(target)
    }
    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        // The moved children keep their recorded depth: an estimate, which is all the
        // budget needs.
        self.inner.reparent_children(node, new_parent)
    }
    fn mark_script_already_started(&self, node: &NodeId) {
        self.inner.mark_script_already_started(node)
    }
    fn pop(&self, node: &NodeId) {
        self.inner.pop(node)
    }
    fn is_mathml_annotation_xml_integration_point(&self, handle: &NodeId) -> bool {
        self.inner
            .is_mathml_annotation_xml_integration_point(handle)
    }
    fn maybe_clone_an_option_into_selectedcontent(&self, option: &NodeId) {
        self.inner
            .maybe_clone_an_option_into_selectedcontent(option)
    }
}
