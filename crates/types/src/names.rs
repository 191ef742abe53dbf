//! Enums of names Slack may add to (`subtype`, `style`, select kinds...): known names get a
//! variant, any other name is kept as `Other(String)`, so a new name never fails a decode and
//! is sent back as it came. `Name default Variant { ... }` also implements `Default`.

/// Declares a name enum: the variants with their wire names, plus `Other(String)`.
macro_rules! name_enum {
    (
        $(#[$meta:meta])*
        $name:ident $(default $default:ident)? {
            $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A name this version does not know, as it came.
            Other(String),
        }

        impl $name {
            /// The name on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Other(other) => other,
                }
            }
        }

        $(impl Default for $name {
            fn default() -> Self {
                $name::$default
            }
        })?

        impl From<&str> for $name {
            fn from(name: &str) -> Self {
                match name {
                    $($wire => $name::$variant,)*
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                // Borrowed from the input when it can be: most names are known and need no copy.
                let $crate::tagged::Name(name) = ::serde::Deserialize::deserialize(deserializer)?;
                Ok($name::from(&*name))
            }
        }
    };
}

pub(crate) use name_enum;

#[cfg(test)]
#[allow(unreachable_pub)] // the macros make `pub` items on test-only types
mod tests {
    name_enum! {
        /// Test colours.
        Colour {
            /// Red.
            Red = "red",
            /// Blue.
            Blue = "blue",
        }
    }

    #[test]
    fn known_names_map_to_variants_and_others_are_kept() {
        let colours: Vec<Colour> = serde_json::from_str(r#"["red","blue","teal",""]"#).unwrap();
        assert_eq!(
            colours,
            [
                Colour::Red,
                Colour::Blue,
                Colour::Other("teal".into()),
                Colour::Other(String::new())
            ]
        );
        assert_eq!(
            serde_json::to_string(&colours).unwrap(),
            r#"["red","blue","teal",""]"#
        );
        assert_eq!(Colour::from("blue").to_string(), "blue");
    }
}
