//! Internally tagged unions (`{"type": "section", ...}`) that keep a tag they do not know.
//!
//! serde's `#[serde(tag = "type")]` cannot fall back to a variant holding the unknown object
//! (`#[serde(other)]` takes unit variants only), and it buffers every object whole before
//! choosing a variant. Here the object is read once: entries before the tag are buffered as
//! [`Value`]s (Slack usually sends `type` first, so usually none are), and the rest of the map
//! is handed, unread, to the chosen variant's own `Deserialize`. An unknown tag, or no tag at
//! all, keeps the whole object as a `Value` (tag included) in the union's `Other` variant.
//!
//! Every union implements [`TaggedUnion`]: plain one-tag-one-variant unions through the
//! `tagged_union!` macro, the few where several tags share a struct by
//! hand. `tagged_serde!` gives both kinds their serde impls.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

/// The key that carries the tag.
pub(crate) const TAG: &str = "type";

/// What [`TaggedUnion::decode`] made of a tag.
pub(crate) enum Decoded<T, D> {
    /// A known tag, decoded into its variant.
    Known(T),
    /// A tag this version does not know: the rest of the object, still unread.
    Unknown(D),
}

/// A union told apart by its `type`.
pub(crate) trait TaggedUnion: Sized {
    /// Decodes the variant named `tag` from the rest of the object (`rest` no longer holds the
    /// tag), or hands `rest` back if the tag is not one of this union's.
    fn decode<'de, D: Deserializer<'de>>(tag: &str, rest: D) -> Result<Decoded<Self, D>, D::Error>;

    /// The variant that keeps an object of an unknown type, tag included.
    fn other(object: Value) -> Self;

    /// Serialises the value, tag included.
    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
}

/// Deserialises a [`TaggedUnion`] from any self-describing deserializer.
pub(crate) fn deserialize<'de, T: TaggedUnion, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_map(UnionVisitor(PhantomData))
}

/// Serialises `content` (a struct or map) as an object with `"type": tag` in front.
pub(crate) fn serialize_with_tag<S: Serializer, T: Serialize + ?Sized>(
    tag: &str,
    content: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct WithTag<'a, T: ?Sized> {
        #[serde(rename = "type")]
        tag: &'a str,
        #[serde(flatten)]
        content: &'a T,
    }
    WithTag { tag, content }.serialize(serializer)
}

struct UnionVisitor<T>(PhantomData<T>);

impl<'de, T: TaggedUnion> Visitor<'de> for UnionVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with a \"type\"")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut before = Vec::new();
        while let Some(Name(key)) = map.next_key()? {
            if key != TAG {
                before.push((key.into_owned(), map.next_value::<Value>()?));
                continue;
            }
            let Name(tag) = map.next_value()?;
            let rest = MapAccessDeserializer::new(Rest {
                before: before.into_iter(),
                pending: None,
                map,
            });
            return match T::decode(&tag, rest)? {
                Decoded::Known(value) => Ok(value),
                Decoded::Unknown(rest) => {
                    let mut object = Map::deserialize(rest)?;
                    object.insert(TAG.to_owned(), Value::String(tag.into_owned()));
                    Ok(T::other(Value::Object(object)))
                }
            };
        }
        Ok(T::other(Value::Object(before.into_iter().collect())))
    }
}

/// The entries read before the tag, then the rest of the map.
struct Rest<A> {
    before: std::vec::IntoIter<(String, Value)>,
    pending: Option<Value>,
    map: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Rest<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.before.next() {
            Some((key, value)) => {
                self.pending = Some(value);
                seed.deserialize(key.into_deserializer()).map(Some)
            }
            None => self.map.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.pending.take() {
            Some(value) => seed.deserialize(value).map_err(de::Error::custom),
            None => self.map.next_value_seed(seed),
        }
    }
}

/// A key or a tag: borrowed from the input when it has no escapes.
pub(crate) struct Name<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

/// Implements `Serialize` and `Deserialize` for a [`TaggedUnion`].
macro_rules! tagged_serde {
    ($union:ty) => {
        impl<'de> ::serde::Deserialize<'de> for $union {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                $crate::tagged::deserialize(deserializer)
            }
        }
        impl ::serde::Serialize for $union {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $crate::tagged::TaggedUnion::encode(self, serializer)
            }
        }
    };
}

/// Implements [`TaggedUnion`] and serde for an enum with one variant per tag, each holding the
/// type its object decodes into, plus `Other(Value)`.
#[macro_export]
#[doc(hidden)]
macro_rules! tagged_union {
    ($union:ident { $($tag:literal => $variant:ident),* $(,)? }) => {
        impl $crate::tagged::TaggedUnion for $union {
            fn decode<'de, D: ::serde::Deserializer<'de>>(
                tag: &str,
                rest: D,
            ) -> Result<$crate::tagged::Decoded<Self, D>, D::Error> {
                Ok($crate::tagged::Decoded::Known(match tag {
                    $($tag => $union::$variant(::serde::Deserialize::deserialize(rest)?),)*
                    _ => return Ok($crate::tagged::Decoded::Unknown(rest)),
                }))
            }

            fn other(object: ::serde_json::Value) -> Self {
                $union::Other(object)
            }

            fn encode<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $($union::$variant(content) => {
                        $crate::tagged::serialize_with_tag($tag, content, serializer)
                    })*
                    $union::Other(object) => ::serde::Serialize::serialize(object, serializer),
                }
            }
        }

        impl $union {
            /// The `type` on the wire.
            pub fn type_name(&self) -> &str {
                match self {
                    $($union::$variant(_) => $tag,)*
                    $union::Other(object) => object.get("type").and_then(|t| t.as_str()).unwrap_or(""),
                }
            }
        }

        $crate::tagged::tagged_serde!($union);
    };
}

pub(crate) use {tagged_serde, tagged_union};

#[cfg(test)]
#[allow(unreachable_pub)] // the macros make `pub` items on test-only types
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, PartialEq, Deserialize, Serialize)]
    struct Dot {
        x: i64,
    }

    #[derive(Debug, PartialEq)]
    enum Shape {
        Dot(Dot),
        Other(Value),
    }
    tagged_union!(Shape { "dot" => Dot });

    #[test]
    fn the_tag_first_decodes_the_rest_into_the_variant() {
        let shape: Shape = serde_json::from_str(r#"{"type":"dot","x":3}"#).unwrap();
        assert_eq!(shape, Shape::Dot(Dot { x: 3 }));
        assert_eq!(shape.type_name(), "dot");
    }

    #[test]
    fn entries_before_the_tag_are_replayed_to_the_variant() {
        let shape: Shape = serde_json::from_str(r#"{"x":4,"y":[1,{"z":2}],"type":"dot"}"#).unwrap();
        assert_eq!(shape, Shape::Dot(Dot { x: 4 }));
    }

    #[test]
    fn an_unknown_tag_keeps_the_whole_object() {
        let text = r#"{"a":1,"type":"hexagon","sides":{"n":6},"b":[null]}"#;
        let shape: Shape = serde_json::from_str(text).unwrap();
        let Shape::Other(object) = &shape else {
            panic!("{shape:?}")
        };
        assert_eq!(object, &serde_json::from_str::<Value>(text).unwrap());
        assert_eq!(shape.type_name(), "hexagon");
        assert_eq!(serde_json::to_value(&shape).unwrap(), *object);
    }

    #[test]
    fn no_tag_at_all_is_kept_too() {
        let shape: Shape = serde_json::from_value(json!({"x": 1})).unwrap();
        assert_eq!(shape, Shape::Other(json!({"x": 1})));
        assert_eq!(shape.type_name(), "");
    }

    #[test]
    fn an_escaped_tag_is_still_the_tag() {
        let shape: Shape = serde_json::from_str(r#"{"t\u0079pe":"d\u006ft","x":5}"#).unwrap();
        assert_eq!(shape, Shape::Dot(Dot { x: 5 }));
    }

    #[test]
    fn serialising_puts_the_tag_back() {
        let value = serde_json::to_value(Shape::Dot(Dot { x: 7 })).unwrap();
        assert_eq!(value, json!({"type": "dot", "x": 7}));
    }

    #[test]
    fn a_known_tag_with_a_broken_body_is_an_error_not_a_guess() {
        assert!(serde_json::from_str::<Shape>(r#"{"type":"dot","x":"seven"}"#).is_err());
        assert!(serde_json::from_str::<Shape>(r#"[1]"#).is_err());
    }

    #[test]
    fn decodes_from_a_value_as_well_as_from_text() {
        let shape: Shape = serde_json::from_value(json!({"x": 2, "type": "dot"})).unwrap();
        assert_eq!(shape, Shape::Dot(Dot { x: 2 }));
    }
}
