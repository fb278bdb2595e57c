//! The "in body" insertion mode and the table modes ("in table", "in table body", "in row",
//! "in cell", "in column group") of the fast path's tree builder; see [`super::tree`] for
//! the rest and for what makes it bail.

use super::tags::{
    button_scope, default_scope, formatting, heading, list_item_scope, special, table_scope, T,
};
use super::tokens::Raw;
use super::tree::{bail, Builder, Ctx, Mode, Quirks};
use super::Bail;
use std::borrow::Cow;

impl<'a> Builder<'a, '_, '_> {
    pub(super) fn body_start(&mut self, tag: T, name: Cow<'a, str>) -> Result<(), Bail> {
        use T::*;
        loop {
            match self.ctx() {
                Ctx::Body => return self.in_body_start(tag, name),
                Ctx::Cell => {
                    if matches!(
                        tag,
                        Caption | Col | Colgroup | Tbody | Td | Tfoot | Th | Thead | Tr
                    ) {
                        if self
                            .in_scope(|o| matches!(o.tag, Td | Th), table_scope)
                            .is_none()
                        {
                            return Ok(()); // ignored
                        }
                        self.close_cell()?;
                        continue;
                    }
                    return self.in_body_start(tag, name);
                }
                Ctx::Row => match tag {
                    Td | Th => return self.insert(tag, name, true),
                    Caption | Col | Colgroup | Tbody | Tfoot | Thead | Tr => self.pop(),
                    _ => return self.in_table_start(tag, name),
                },
                Ctx::TableBody => match tag {
                    Tr => return self.insert(tag, name, true),
                    Td | Th => self.implied(Tr, "tr")?,
                    Caption | Col | Colgroup | Tbody | Tfoot | Thead => self.pop(),
                    _ => return self.in_table_start(tag, name),
                },
                Ctx::Table => match tag {
                    Colgroup | Tbody | Tfoot | Thead => return self.insert(tag, name, true),
                    Col => self.implied(Colgroup, "colgroup")?,
                    Td | Th | Tr => self.implied(Tbody, "tbody")?,
                    _ => return self.in_table_start(tag, name),
                },
                Ctx::ColGroup => match tag {
                    Col => return self.insert_void(tag, name),
                    Html | Template => return bail("unusual tag in colgroup"),
                    _ if self.top() == Colgroup => self.pop(),
                    _ => return bail("content in colgroup"),
                },
            }
        }
    }

    /// "In table" start tags other than the table structure.
    fn in_table_start(&mut self, tag: T, name: Cow<'a, str>) -> Result<(), Bail> {
        match tag {
            T::Style => self.raw(tag, name, Raw::Rawtext),
            T::Script => self.raw(tag, name, Raw::Script),
            _ => bail("element in a table (foster parenting)"),
        }
    }

    fn close_cell(&mut self) -> Result<(), Bail> {
        let Some(cell) = self.in_scope(|o| matches!(o.tag, T::Td | T::Th), table_scope) else {
            return bail("no cell to close");
        };
        self.generate_implied_end(None);
        self.pop_to(cell, true)
    }

    fn in_body_start(&mut self, tag: T, name: Cow<'a, str>) -> Result<(), Bail> {
        use T::*;
        match tag {
            Base | Basefont | Bgsound | Link | Meta => self.insert_void(tag, name),
            Title => self.raw(tag, name, Raw::Rcdata),
            Noframes | Style | Noscript | Iframe | Noembed => self.raw(tag, name, Raw::Rawtext),
            Script => self.raw(tag, name, Raw::Script),
            Address | Article | Aside | Blockquote | Center | Details | Dialog | Dir | Div | Dl
            | Fieldset | Figcaption | Figure | Footer | Header | Hgroup | Main | Nav | Ol | P
            | Search | Section | Summary | Ul | Menu => {
                self.close_p_in_button_scope()?;
                self.insert(tag, name, true)
            }
            H1 | H2 | H3 | H4 | H5 | H6 => {
                self.close_p_in_button_scope()?;
                if heading(self.top()) {
                    self.pop();
                }
                self.insert(tag, name, true)
            }
            Pre | Listing => {
                self.close_p_in_button_scope()?;
                self.insert(tag, name, true)?;
                self.ignore_lf = true;
                Ok(())
            }
            Form => {
                if self.form {
                    return Ok(()); // ignored
                }
                self.close_p_in_button_scope()?;
                self.form = true;
                self.insert(tag, name, true)
            }
            Li | Dd | Dt => {
                let closes = |t: T| {
                    if tag == Li {
                        t == Li
                    } else {
                        matches!(t, Dd | Dt)
                    }
                };
                let mut close = None;
                for (i, o) in self.stack.iter().enumerate().rev() {
                    if closes(o.tag) {
                        close = Some((i, o.tag));
                        break;
                    }
                    if special(o.tag) && !matches!(o.tag, Address | Div | P) {
                        break;
                    }
                }
                if let Some((_, found)) = close {
                    self.generate_implied_end(Some(found));
                    let Some(i) = self.stack.iter().rposition(|o| o.tag == found) else {
                        return bail("list item vanished");
                    };
                    self.pop_to(i, false)?;
                }
                self.close_p_in_button_scope()?;
                self.insert(tag, name, true)
            }
            Button => {
                if self.in_scope_tag(Button, default_scope).is_some() {
                    self.generate_implied_end(None);
                    let Some(i) = self.stack.iter().rposition(|o| o.tag == Button) else {
                        return bail("button vanished");
                    };
                    self.pop_to(i, false)?;
                }
                self.insert(tag, name, true)
            }
            A => {
                for o in self.stack.iter().rev() {
                    if o.tag == A {
                        return bail("<a> inside <a>");
                    }
                    if matches!(
                        o.tag,
                        Td | Th | Caption | Applet | Marquee | Object | Template
                    ) {
                        break;
                    }
                }
                self.insert_formatting(tag, name)
            }
            B | Big | Code | Em | Font | I | S | Small | Strike | Strong | Tt | U => {
                self.insert_formatting(tag, name)
            }
            Nobr => {
                if self.in_scope_tag(Nobr, default_scope).is_some() {
                    return bail("nested nobr");
                }
                self.insert_formatting(tag, name)
            }
            Table => {
                if self.in_scope_tag(P, button_scope).is_some() {
                    match self.quirks {
                        Quirks::No => self.close_p_in_button_scope()?,
                        Quirks::Yes => {}
                        Quirks::Unknown => return bail("table in p, quirks mode unknown"),
                    }
                }
                self.insert(tag, name, true)
            }
            Area | Br | Embed | Img | Keygen | Wbr | Param | Source | Track => {
                self.insert_void(tag, name)
            }
            Image => self.insert_void(Img, Cow::Borrowed("img")),
            Input => {
                if self.in_scope_tag(Select, default_scope).is_some() {
                    return bail("input in select");
                }
                self.insert_void(tag, name)
            }
            Hr => {
                self.close_p_in_button_scope()?;
                if self.in_scope_tag(Select, default_scope).is_some() {
                    return bail("hr in select");
                }
                self.insert_void(tag, name)
            }
            Textarea => self.raw(tag, name, Raw::Rcdata),
            Xmp => {
                self.close_p_in_button_scope()?;
                self.raw(tag, name, Raw::Rawtext)
            }
            Select => {
                if self.in_scope_tag(Select, default_scope).is_some() {
                    return bail("select in select");
                }
                self.insert(tag, name, true)
            }
            Option | Optgroup => {
                if self.in_scope_tag(Select, default_scope).is_some() {
                    self.generate_implied_end(if tag == Option { Some(Optgroup) } else { None });
                } else if self.top() == Option {
                    self.pop();
                }
                self.insert(tag, name, true)
            }
            // Ignored in body.
            Frame | Head | Caption | Col | Colgroup | Tbody | Td | Tfoot | Th | Thead | Tr => {
                Ok(())
            }
            // A second html or body adds its attributes to the first: a no-op without any.
            Html | Body if self.tz.attrs.is_empty() => Ok(()),
            Html | Body | Frameset | Template | Plaintext | Applet | Marquee | Object | Math
            | Svg | Rb | Rtc | Rp | Rt | Selectedcontent => bail("unusual start tag"),
            _ => self.insert(tag, name, true),
        }
    }

    pub(super) fn body_end(&mut self, tag: T, name: Cow<'a, str>) -> Result<(), Bail> {
        use T::*;
        loop {
            match self.ctx() {
                Ctx::Body => return self.in_body_end(tag, &name),
                Ctx::Cell => match tag {
                    Td | Th => {
                        let Some(i) = self.in_scope_tag(tag, table_scope) else {
                            return Ok(()); // ignored
                        };
                        self.generate_implied_end(None);
                        return self.pop_to(i, true);
                    }
                    Body | Caption | Col | Colgroup | Html => return Ok(()), // ignored
                    Table | Tbody | Tfoot | Thead | Tr => {
                        if self.in_scope_tag(tag, table_scope).is_none() {
                            return Ok(()); // ignored
                        }
                        self.close_cell()?;
                    }
                    _ => return self.in_body_end(tag, &name),
                },
                Ctx::Row => match tag {
                    Tr => {
                        self.pop();
                        return Ok(());
                    }
                    Table => self.pop(),
                    Tbody | Tfoot | Thead => {
                        if self.in_scope_tag(tag, table_scope).is_none() {
                            return Ok(()); // ignored
                        }
                        self.pop();
                    }
                    _ => return self.in_table_end(tag),
                },
                Ctx::TableBody => match tag {
                    Tbody | Tfoot | Thead => {
                        if self.in_scope_tag(tag, table_scope).is_none() {
                            return Ok(()); // ignored
                        }
                        self.pop();
                        return Ok(());
                    }
                    Table => self.pop(),
                    _ => return self.in_table_end(tag),
                },
                Ctx::Table => return self.in_table_end(tag),
                Ctx::ColGroup => match tag {
                    Colgroup => {
                        self.pop();
                        return Ok(());
                    }
                    Col => return Ok(()), // ignored
                    Template => return bail("template"),
                    _ => self.pop(),
                },
            }
        }
    }

    /// "In table" end tags. Others than `</table>` are ignored, directly or by the
    /// in-body rules (a table is special and a scope boundary), except those that would
    /// insert something (foster-parented) or touch the form pointer.
    fn in_table_end(&mut self, tag: T) -> Result<(), Bail> {
        match tag {
            T::Table => match self.in_scope_tag(T::Table, table_scope) {
                Some(i) => self.pop_to(i, false),
                None => Ok(()),
            },
            T::P | T::Br | T::Form | T::Template => bail("end tag in a table"),
            _ => Ok(()),
        }
    }

    fn in_body_end(&mut self, tag: T, name: &str) -> Result<(), Bail> {
        use T::*;
        match tag {
            Body | Html => {
                if self.in_scope_tag(Body, default_scope).is_none() {
                    return Ok(()); // ignored
                }
                self.mode = if tag == Html {
                    Mode::AfterAfterBody
                } else {
                    Mode::AfterBody
                };
                Ok(())
            }
            Address | Article | Aside | Blockquote | Button | Center | Details | Dialog | Dir
            | Div | Dl | Fieldset | Figcaption | Figure | Footer | Header | Hgroup | Listing
            | Main | Menu | Nav | Ol | Pre | Search | Section | Select | Summary | Ul => {
                let Some(i) = self.in_scope_tag(tag, default_scope) else {
                    return Ok(()); // ignored
                };
                self.pop_to(i, false)
            }
            Form => {
                self.form = false;
                let Some(i) = self.in_scope_tag(Form, default_scope) else {
                    return Ok(()); // ignored (the pointer is cleared all the same)
                };
                self.generate_implied_end(None);
                if self.stack.len() != i + 1 {
                    return bail("</form> with open children");
                }
                self.pop();
                Ok(())
            }
            P => match self.in_scope_tag(P, button_scope) {
                Some(i) => self.pop_to(i, false),
                None => {
                    // An empty p is created and closed at once.
                    self.implied(P, "p")?;
                    self.pop();
                    Ok(())
                }
            },
            Li | Dd | Dt => {
                let scope = if tag == Li {
                    list_item_scope
                } else {
                    default_scope
                };
                let Some(i) = self.in_scope_tag(tag, scope) else {
                    return Ok(()); // ignored
                };
                self.pop_to(i, false)
            }
            H1 | H2 | H3 | H4 | H5 | H6 => {
                let Some(i) = self.in_scope(|o| heading(o.tag), default_scope) else {
                    return Ok(()); // ignored
                };
                self.pop_to(i, false)
            }
            A | B | Big | Code | Em | Font | I | Nobr | S | Small | Strike | Strong | Tt | U => {
                // The adoption agency's simple case: the element is open above the last
                // marker (a cell) with nothing special or formatting above it. Not open there:
                // the token is ignored. Anything else rearranges the tree: bail.
                let found = self
                    .stack
                    .iter()
                    .rev()
                    .take_while(|o| {
                        !matches!(
                            o.tag,
                            Td | Th | Caption | Applet | Marquee | Object | Template
                        )
                    })
                    .position(|o| o.tag == tag);
                let Some(from_top) = found else {
                    return Ok(()); // ignored
                };
                let i = self.stack.len() - 1 - from_top;
                if self.stack[i + 1..]
                    .iter()
                    .any(|o| special(o.tag) || formatting(o.tag))
                {
                    return bail("misnested formatting end tag");
                }
                self.pop_to(i, false)
            }
            Br => {
                // `</br>` is a `<br>` without attributes.
                self.tz.attrs.clear();
                self.insert_void(Br, Cow::Borrowed("br"))
            }
            Applet | Marquee | Object | Template => bail("unusual end tag"),
            _ => {
                for i in (0..self.stack.len()).rev() {
                    let o = &self.stack[i];
                    if o.tag == tag && (tag != Other || o.name == name) {
                        return self.pop_to(i, false);
                    }
                    if special(o.tag) {
                        break;
                    }
                }
                Ok(()) // ignored
            }
        }
    }
}
