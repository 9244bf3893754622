//! The connector plugins a worker can run, found by Java class name or alias.

use std::fmt;
use std::sync::Arc;

use crate::connector::{Connector, SinkConnector, SourceConnector};
use crate::error::{Error, Result};

type SourceFactory = Arc<dyn Fn() -> Box<dyn SourceConnector> + Send + Sync>;
type SinkFactory = Arc<dyn Fn() -> Box<dyn SinkConnector> + Send + Sync>;

/// Whether a connector reads into Kafka or writes out of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectorType {
    /// A source connector.
    Source,
    /// A sink connector.
    Sink,
}

impl ConnectorType {
    /// `source` or `sink`, as the REST API says.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectorType::Source => "source",
            ConnectorType::Sink => "sink",
        }
    }
}

/// A new instance of a plugin's connector.
pub(crate) enum ConnectorInstance {
    Source(Box<dyn SourceConnector>),
    Sink(Box<dyn SinkConnector>),
}

impl ConnectorInstance {
    pub(crate) fn connector(&self) -> &dyn Connector {
        match self {
            ConnectorInstance::Source(c) => c.as_ref(),
            ConnectorInstance::Sink(c) => c.as_ref(),
        }
    }

    pub(crate) fn connector_mut(&mut self) -> &mut dyn Connector {
        match self {
            ConnectorInstance::Source(c) => c.as_mut(),
            ConnectorInstance::Sink(c) => c.as_mut(),
        }
    }
}

#[derive(Clone)]
enum Factory {
    Source(SourceFactory),
    Sink(SinkFactory),
}

/// One registered connector plugin.
#[derive(Clone)]
pub struct Plugin {
    class: String,
    aliases: Vec<String>,
    factory: Factory,
}

impl fmt::Debug for Plugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plugin")
            .field("class", &self.class)
            .field("type", &self.kind())
            .finish()
    }
}

impl Plugin {
    /// Its class name, as `connector.class` names it.
    pub fn class(&self) -> &str {
        &self.class
    }

    /// Source or sink.
    pub fn kind(&self) -> ConnectorType {
        match self.factory {
            Factory::Source(_) => ConnectorType::Source,
            Factory::Sink(_) => ConnectorType::Sink,
        }
    }

    /// Its version, as its connector reports it.
    pub fn version(&self) -> String {
        self.instance().connector().version()
    }

    /// The definitions of its connector's own keys, as Kafka Connect's REST API lists
    /// them.
    pub fn config_keys(&self) -> Vec<serde_json::Value> {
        let mut keys = super::validate::definitions(&self.instance().connector().config_def());
        keys.extend(super::validate::definitions(
            &super::connector_config::common_def(self.kind()),
        ));
        keys
    }

    /// The class name its tasks have in their configs (`task.class`): the connector's,
    /// `Connector` replaced by `Task`.
    pub fn task_class(&self) -> String {
        match self.class.strip_suffix("Connector") {
            Some(stem) => format!("{stem}Task"),
            None => format!("{}Task", self.class),
        }
    }

    pub(crate) fn instance(&self) -> ConnectorInstance {
        match &self.factory {
            Factory::Source(f) => ConnectorInstance::Source(f()),
            Factory::Sink(f) => ConnectorInstance::Sink(f()),
        }
    }

    fn answers_to(&self, name: &str) -> bool {
        self.class == name || self.aliases.iter().any(|a| a == name)
    }
}

/// The connector plugins of a worker. [`Plugins::builtin`] has the connectors this
/// crate ships; applications register their own.
///
/// ```
/// use connect_sdk::worker::Plugins;
///
/// let plugins = Plugins::builtin();
/// let plugin = plugins.find("FileStreamSource")?;
/// assert_eq!(plugin.class(), "org.apache.kafka.connect.file.FileStreamSourceConnector");
/// # Ok::<(), connect_sdk::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Plugins {
    plugins: Vec<Plugin>,
}

/// The simple name of a class (`FileStreamSourceConnector`), and that name without its
/// `Connector` suffix: the aliases Kafka Connect accepts.
fn simple_aliases(class: &str) -> Vec<String> {
    let simple = class.rsplit(['.', '$']).next().unwrap_or(class);
    let mut aliases = vec![simple.to_owned()];
    if let Some(short) = simple.strip_suffix("Connector")
        && !short.is_empty()
    {
        aliases.push(short.to_owned());
    }
    aliases
}

impl Plugins {
    /// No plugins.
    pub fn new() -> Self {
        Self::default()
    }

    /// The connectors this crate ships: FileStreamSource, FileStreamSink and the data
    /// generator.
    pub fn builtin() -> Self {
        use crate::connectors::{DatagenConnector, FileStreamSinkConnector, FileStreamSourceConnector};
        Plugins::new()
            .with_source(
                FileStreamSourceConnector::CLASS,
                FileStreamSourceConnector::ALIASES,
                || Box::new(FileStreamSourceConnector::default()),
            )
            .with_sink(
                FileStreamSinkConnector::CLASS,
                FileStreamSinkConnector::ALIASES,
                || Box::new(FileStreamSinkConnector::default()),
            )
            .with_source(DatagenConnector::CLASS, DatagenConnector::ALIASES, || {
                Box::new(DatagenConnector::default())
            })
    }

    fn add(mut self, class: &str, aliases: &[&str], factory: Factory) -> Self {
        let mut all = simple_aliases(class);
        all.extend(aliases.iter().map(|a| (*a).to_owned()));
        all.sort();
        all.dedup();
        self.plugins.retain(|p| p.class != class);
        self.plugins.push(Plugin {
            class: class.to_owned(),
            aliases: all,
            factory,
        });
        self.plugins.sort_by(|a, b| a.class.cmp(&b.class));
        self
    }

    /// Registers a source connector under `class` (and its simple name, with and
    /// without the `Connector` suffix, and `aliases`).
    pub fn with_source(
        self,
        class: &str,
        aliases: &[&str],
        factory: impl Fn() -> Box<dyn SourceConnector> + Send + Sync + 'static,
    ) -> Self {
        self.add(class, aliases, Factory::Source(Arc::new(factory)))
    }

    /// Registers a sink connector, as [`Plugins::with_source`].
    pub fn with_sink(
        self,
        class: &str,
        aliases: &[&str],
        factory: impl Fn() -> Box<dyn SinkConnector> + Send + Sync + 'static,
    ) -> Self {
        self.add(class, aliases, Factory::Sink(Arc::new(factory)))
    }

    /// The plugins, by class name.
    pub fn iter(&self) -> impl Iterator<Item = &Plugin> {
        self.plugins.iter()
    }

    /// The plugin `name` (a class name or alias).
    pub fn find(&self, name: &str) -> Result<&Plugin> {
        self.plugins.iter().find(|p| p.answers_to(name)).ok_or_else(|| {
            Error::NotFound(format!(
                "Failed to find any class that implements Connector and which name matches {name}, available connectors are: {}",
                self.plugins
                    .iter()
                    .map(|p| format!("PluginDesc{{klass=class {}, name='{}', version='{}', type={}}}", p.class, p.class, p.version(), p.kind().as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }
}
