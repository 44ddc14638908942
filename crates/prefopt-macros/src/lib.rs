//! The `#[plugin]` attribute of prefopt.
//!
//! Put on the `impl Trait for Type` of a plugin, it writes the plugin's name once and emits
//! both halves of a registration:
//!
//! * `#[typetag::serde(name = "...")]` on the impl, so a config's `type = "..."` picks it;
//! * an `inventory::submit!` of a `prefopt_core::PluginInfo`, so `prefopt plugins`, the docs and
//!   the conformance suite can list it, with its summary, paper and an example config built from
//!   the type's `Default`.
//!
//! ```ignore
//! #[plugin(name = "dpo", paper = "arXiv:2305.18290", summary = "Direct preference optimization")]
//! impl PreferenceObjective for Dpo { ... }
//! ```

use proc_macro::TokenStream;
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, ItemImpl, Lit, MetaNameValue, Token, parse_macro_input};

/// Registers a plugin: `#[plugin(name = "...", summary = "...", paper = "...")]` on the impl of a
/// plugin trait (`PreferenceObjective`, `Algorithm`, `TaskConfig`, `PolicyConfig`, ...).
///
/// `name` is the `type = "..."` a config uses; `summary` is one line; `paper` cites where the
/// method comes from (an arXiv id or "-"). The implementing type must implement `Default`: its
/// default value is the plugin's example config.
#[proc_macro_attribute]
pub fn plugin(args: TokenStream, item: TokenStream) -> TokenStream {
    let parser = Punctuated::<MetaNameValue, Token![,]>::parse_terminated;
    let args = match parser.parse(args) {
        Ok(args) => args,
        Err(error) => return error.to_compile_error().into(),
    };
    let item = parse_macro_input!(item as ItemImpl);
    match expand(args, item) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn expand(
    args: Punctuated<MetaNameValue, Token![,]>,
    item: ItemImpl,
) -> syn::Result<proc_macro2::TokenStream> {
    let mut name = None;
    let mut summary = None;
    let mut paper = None;
    for arg in &args {
        let key = arg
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let value = match &arg.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(text),
                ..
            }) => text.clone(),
            other => {
                return Err(syn::Error::new_spanned(
                    other,
                    "expected a string literal, e.g. name = \"dpo\"",
                ));
            }
        };
        match key.as_str() {
            "name" => name = Some(value),
            "summary" => summary = Some(value),
            "paper" => paper = Some(value),
            _ => {
                return Err(syn::Error::new_spanned(
                    &arg.path,
                    "unknown key: expected `name`, `summary` or `paper`",
                ));
            }
        }
    }
    let span = proc_macro2::Span::call_site();
    let name = name.ok_or_else(|| syn::Error::new(span, "missing `name = \"...\"`"))?;
    let summary = summary.ok_or_else(|| syn::Error::new(span, "missing `summary = \"...\"`"))?;
    let paper = paper.ok_or_else(|| syn::Error::new(span, "missing `paper = \"...\"`"))?;
    let Some((_, trait_path, _)) = &item.trait_ else {
        return Err(syn::Error::new_spanned(
            &item.self_ty,
            "#[plugin] goes on `impl PluginTrait for Type`",
        ));
    };
    let self_ty = &item.self_ty;
    Ok(quote! {
        #[typetag::serde(name = #name)]
        #item

        ::prefopt_core::inventory::submit! {
            ::prefopt_core::PluginInfo {
                kind: <dyn #trait_path as ::prefopt_core::PluginTrait>::KIND,
                name: #name,
                summary: #summary,
                paper: #paper,
                example: || {
                    let plugin: ::std::boxed::Box<dyn #trait_path> =
                        ::std::boxed::Box::new(<#self_ty as ::core::default::Default>::default());
                    ::prefopt_core::registry::example_config(
                        <dyn #trait_path as ::prefopt_core::PluginTrait>::SECTION,
                        &plugin,
                    )
                },
                check_example: |text| {
                    ::prefopt_core::registry::check_example::<::std::boxed::Box<dyn #trait_path>>(
                        <dyn #trait_path as ::prefopt_core::PluginTrait>::SECTION,
                        text,
                    )
                },
            }
        }
    })
}
