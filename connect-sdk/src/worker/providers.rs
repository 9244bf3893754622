//! Config providers (Kafka's `ConfigProvider`): `${file:/path:key}`, `${env:NAME}` and
//! `${directory:/path:file}` in a connector's config, resolved when the connector and
//! its tasks start. The REST API shows the config as written, never resolved.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::Properties;
use crate::error::{Error, Result};

/// What a provider reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Provider {
    /// A properties file: `${name:PATH:KEY}`.
    File,
    /// Environment variables: `${name:NAME}`.
    Env,
    /// A directory of files, one a key: `${name:DIR:FILE}`.
    Directory,
}

/// The providers a worker declares (`config.providers=file,env` and
/// `config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider`).
#[derive(Debug, Clone, Default)]
pub(crate) struct ConfigProviders {
    providers: BTreeMap<String, Provider>,
}

impl ConfigProviders {
    /// The providers the worker's `properties` declare; an unknown class is an error
    /// naming its key.
    pub(crate) fn from_worker(properties: &Properties) -> Result<Self> {
        let mut providers = BTreeMap::new();
        let Some(names) = properties.get("config.providers") else {
            return Ok(Self::default());
        };
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let key = format!("config.providers.{name}.class");
            let class = properties
                .get(&key)
                .ok_or_else(|| Error::MissingConfig { key: key.clone() })?;
            let provider = match class.trim() {
                "org.apache.kafka.common.config.provider.FileConfigProvider" => Provider::File,
                "org.apache.kafka.common.config.provider.EnvVarConfigProvider" => Provider::Env,
                "org.apache.kafka.common.config.provider.DirectoryConfigProvider" => Provider::Directory,
                other => return Err(Error::config(key, other, "Class not found")),
            };
            providers.insert(name.to_owned(), provider);
        }
        Ok(ConfigProviders { providers })
    }

    /// `config` with every `${provider:[path:]key}` of a declared provider replaced by
    /// what it reads; a reference to an undeclared provider is left as written, as
    /// Kafka leaves it.
    pub(crate) fn resolve(&self, config: &Properties) -> Result<Properties> {
        config
            .iter()
            .map(|(key, value)| Ok((key.clone(), self.resolve_value(key, value)?)))
            .collect()
    }

    fn resolve_value(&self, key: &str, value: &str) -> Result<String> {
        let mut out = String::with_capacity(value.len());
        let mut rest = value;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                return Ok(out);
            };
            let reference = &after[..end];
            match self.lookup(key, reference)? {
                Some(resolved) => out.push_str(&resolved),
                None => out.push_str(&rest[start..start + 2 + end + 1]),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn lookup(&self, key: &str, reference: &str) -> Result<Option<String>> {
        let Some((name, rest)) = reference.split_once(':') else {
            return Ok(None);
        };
        let Some(provider) = self.providers.get(name) else {
            return Ok(None);
        };
        let (path, item) = match rest.split_once(':') {
            Some((path, item)) => (path, item),
            None => ("", rest),
        };
        let missing = |what: String| {
            Error::config_message(
                key,
                format!("Could not resolve ${{{reference}}} in {key}: {what}"),
            )
        };
        match provider {
            Provider::Env => std::env::var(item)
                .map(Some)
                .map_err(|_| missing(format!("no environment variable {item}"))),
            Provider::File => {
                let text = std::fs::read_to_string(path).map_err(|e| missing(format!("{path}: {e}")))?;
                properties_value(&text, item)
                    .map(Some)
                    .ok_or_else(|| missing(format!("no key {item} in {path}")))
            }
            Provider::Directory => {
                let file = Path::new(path).join(item);
                std::fs::read_to_string(&file)
                    .map(Some)
                    .map_err(|e| missing(format!("{}: {e}", file.display())))
            }
        }
    }
}

/// The value of `key` in a Java properties text (`key=value` or `key: value` lines,
/// `#` and `!` comments).
fn properties_value(text: &str, key: &str) -> Option<String> {
    text.lines()
        .map(str::trim_start)
        .filter(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with('!'))
        .find_map(|line| {
            let split = line.find(['=', ':']).unwrap_or(line.len());
            (line[..split].trim() == key).then(|| line.get(split + 1..).unwrap_or("").trim().to_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn providers() -> ConfigProviders {
        ConfigProviders::from_worker(&Properties::from([
            ("config.providers".into(), "file,env".into()),
            (
                "config.providers.file.class".into(),
                "org.apache.kafka.common.config.provider.FileConfigProvider".into(),
            ),
            (
                "config.providers.env.class".into(),
                "org.apache.kafka.common.config.provider.EnvVarConfigProvider".into(),
            ),
        ]))
        .unwrap()
    }

    #[test]
    fn file_and_env_references_resolve_and_others_stay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.properties");
        std::fs::write(&path, "# creds\ndb.password = s3cret\nother: x\n").unwrap();
        let config = Properties::from([
            ("a".into(), format!("${{file:{}:db.password}}", path.display())),
            ("b".into(), "pre-${env:PATH}-post".into()),
            ("c".into(), "${vault:x:y} and ${nope".into()),
        ]);
        let resolved = providers().resolve(&config).unwrap();
        assert_eq!(resolved["a"], "s3cret");
        assert_eq!(
            resolved["b"],
            format!("pre-{}-post", std::env::var("PATH").unwrap())
        );
        assert_eq!(resolved["c"], "${vault:x:y} and ${nope");
    }

    #[test]
    fn a_missing_key_names_the_config_key() {
        let config = Properties::from([(
            "conn.password".into(),
            "${file:/nonexistent/x.properties:k}".into(),
        )]);
        let err = providers().resolve(&config).unwrap_err();
        assert!(
            matches!(&err, Error::Config { key, .. } if key == "conn.password"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_provider_class_is_refused() {
        let err = ConfigProviders::from_worker(&Properties::from([
            ("config.providers".into(), "vault".into()),
            ("config.providers.vault.class".into(), "com.example.Vault".into()),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("config.providers.vault.class"), "{err}");
    }
}
