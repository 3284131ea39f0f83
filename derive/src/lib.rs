//! `#[derive(Trace)]` for the `reclaimer` crate.
//!
//! Use it through `reclaimer::Trace`; see that trait's documentation. The derive visits every
//! field in declaration order. A field marked `#[trace(skip)]` is not visited: use it only for
//! fields that hold no `reclaimer` handles. Every type parameter gets a `Trace` bound (strategy
//! markers implement `Trace`, so `struct Node<S: Strategy>` needs nothing more); replace the
//! generated bounds with `#[trace(bound = "T: Trace")]` on the type.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote};
use syn::{
    parse_macro_input, parse_quote, spanned::Spanned, Data, DeriveInput, Fields, Path,
    WherePredicate,
};

/// Derives `reclaimer::Trace` for a struct or enum.
///
/// Attributes:
/// - `#[trace(skip)]` on a field: do not visit it. Only for fields without handles.
/// - `#[trace(bound = "...")]` on the type: use these where-predicates instead of `P: Trace`
///   for every type parameter `P` (an empty string adds none).
/// - `#[trace(crate = "path")]` on the type: the path of the `reclaimer` crate.
#[proc_macro_derive(Trace, attributes(trace))]
pub fn derive_trace(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(input) {
        Ok(tokens) => tokens.into(),
        Err(err) => err.to_compile_error().into(),
    }
}

/// Options read from `#[trace(...)]` on the type.
struct TypeOptions {
    bound: Option<Vec<WherePredicate>>,
    krate: Path,
}

fn type_options(input: &DeriveInput) -> syn::Result<TypeOptions> {
    let mut options = TypeOptions {
        bound: None,
        krate: parse_quote!(::reclaimer),
    };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("trace")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("bound") {
                let text: syn::LitStr = meta.value()?.parse()?;
                let predicates = if text.value().trim().is_empty() {
                    Vec::new()
                } else {
                    let clause: syn::WhereClause =
                        syn::parse_str(&format!("where {}", text.value())).map_err(|e| {
                            syn::Error::new(text.span(), format!("invalid bound: {e}"))
                        })?;
                    clause.predicates.into_iter().collect()
                };
                options.bound = Some(predicates);
                Ok(())
            } else if meta.path.is_ident("crate") {
                let text: syn::LitStr = meta.value()?.parse()?;
                options.krate = text.parse()?;
                Ok(())
            } else if meta.path.is_ident("skip") {
                Err(meta.error("`#[trace(skip)]` goes on a field, not on the type"))
            } else {
                Err(meta.error("unknown `trace` option; expected `bound` or `crate`"))
            }
        })?;
    }
    Ok(options)
}

/// Whether a field carries `#[trace(skip)]`.
fn is_skipped(attrs: &[syn::Attribute]) -> syn::Result<bool> {
    let mut skip = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("trace")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("skip") {
                skip = true;
                Ok(())
            } else {
                Err(meta.error("unknown `trace` field option; expected `skip`"))
            }
        })?;
    }
    Ok(skip)
}

/// A destructuring pattern for `fields` and the statements that visit the traced ones.
fn visit_fields(fields: &Fields, krate: &Path) -> syn::Result<(TokenStream2, Vec<TokenStream2>)> {
    let mut bindings = Vec::new();
    let mut visits = Vec::new();
    for (index, field) in fields.iter().enumerate() {
        let binding = format_ident!("__field_{}", index, span = Span::mixed_site());
        if !is_skipped(&field.attrs)? {
            visits.push(quote! { #krate::Trace::trace(#binding, visitor); });
        }
        bindings.push((field.ident.clone(), binding));
    }
    let pattern = match fields {
        Fields::Named(_) => {
            let parts = bindings
                .iter()
                .map(|(name, binding)| quote! { #name: #binding });
            quote! { { #(#parts),* } }
        }
        Fields::Unnamed(_) => {
            let parts = bindings.iter().map(|(_, binding)| binding);
            quote! { ( #(#parts),* ) }
        }
        Fields::Unit => quote! {},
    };
    Ok((pattern, visits))
}

fn expand(input: DeriveInput) -> syn::Result<TokenStream2> {
    let options = type_options(&input)?;
    let krate = &options.krate;
    let name = &input.ident;

    let arms = match &input.data {
        Data::Struct(data) => {
            let (pattern, visits) = visit_fields(&data.fields, krate)?;
            vec![quote! { #name #pattern => { #(#visits)* } }]
        }
        Data::Enum(data) => data
            .variants
            .iter()
            .map(|variant| {
                let variant_name = &variant.ident;
                let (pattern, visits) = visit_fields(&variant.fields, krate)?;
                Ok(quote! { #name::#variant_name #pattern => { #(#visits)* } })
            })
            .collect::<syn::Result<Vec<_>>>()?,
        Data::Union(data) => {
            return Err(syn::Error::new(
                data.union_token.span(),
                "`#[derive(Trace)]` does not support unions: the active field is unknown",
            ))
        }
    };

    let mut generics = input.generics.clone();
    let where_clause = generics.make_where_clause();
    match options.bound {
        Some(predicates) => where_clause.predicates.extend(predicates),
        None => {
            for param in input.generics.type_params() {
                let ident = &param.ident;
                where_clause
                    .predicates
                    .push(parse_quote!(#ident: #krate::Trace));
            }
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();

    // An empty enum has no arms; `match *self {}` covers it.
    let body = if arms.is_empty() {
        quote! { match *self {} }
    } else {
        quote! { match self { #(#arms)* } }
    };

    Ok(quote! {
        // SAFETY: `trace` visits every field not marked `#[trace(skip)]`, the same fields in the
        // same order on every call. A skipped field that holds handles is never unrooted or
        // traced, so the collectors treat its handles as roots: a leak, never a dangling pointer.
        #[automatically_derived]
        unsafe impl #impl_generics #krate::Trace for #name #ty_generics #where_clause {
            #[inline]
            #[allow(unused_variables)]
            fn trace<__V: #krate::Visitor>(&self, visitor: &mut __V) {
                #body
            }
        }
    })
}
