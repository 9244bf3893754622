package dev.streamkit.peers.connect;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Drives Kafka Connect 4.4's standalone worker through the REST calls of
 * connect-sdk/tests/golden/rest/sequence.json and writes its normalized responses: the
 * goldens of connect-sdk's REST differential test. The format of both files and the
 * normalization are in connect-sdk/tests/golden/rest/README.md.
 *
 * <p>Arguments: the sequence file, the output file, the bootstrap servers of the broker
 * (its topics and consumer groups of the sequence are deleted and the topics created
 * again first). The worker runs as a child JVM ({@code ConnectStandalone}, on this JVM's
 * class path) with a worker.properties written into a temp directory, on a free port.
 * A failed run keeps that directory (the worker's output, the responses recorded before
 * the failing step) and names it in its error.
 */
public final class RestGoldens {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String IGNORED = "<ignored>";
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration UNTIL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String dir;
    private final Set<String> ignoredKeys;
    /** The responses recorded so far. */
    private final ArrayNode out = NODES.arrayNode();

    private RestGoldens(String base, String dir, Set<String> ignoredKeys) {
        this.base = base;
        this.dir = dir;
        this.ignoredKeys = ignoredKeys;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: RestGoldens <sequence.json> <responses.json> <bootstrap servers>");
            System.exit(2);
        }
        JsonNode sequence = JSON.readTree(new File(args[0]));
        String bootstrap = args[2];
        resetBroker(bootstrap, sequence);

        Path tmp = Files.createTempDirectory("streamkit-rest-goldens-");
        Path scratch = Files.createDirectory(tmp.resolve("scratch"));
        Path log = tmp.resolve("worker.log");
        int port = freePort();
        Properties worker = new Properties();
        sequence.get("worker_properties").fields()
                .forEachRemaining(e -> worker.setProperty(e.getKey(), e.getValue().asText()));
        worker.setProperty("bootstrap.servers", bootstrap);
        worker.setProperty("listeners", "http://127.0.0.1:" + port);
        worker.setProperty("offset.storage.file.filename", tmp.resolve("offsets").toString());
        Path workerProperties = tmp.resolve("worker.properties");
        try (var out = Files.newBufferedWriter(workerProperties)) {
            worker.store(out, "streamkit RestGoldens");
        }

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "org.apache.kafka.connect.cli.ConnectStandalone", workerProperties.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Set<String> ignored = new TreeSet<>();
        sequence.get("ignore").forEach(k -> ignored.add(k.asText()));
        RestGoldens recorder = new RestGoldens("http://127.0.0.1:" + port, scratch.toString(), ignored);
        ArrayNode responses;
        try {
            recorder.awaitStartup(process);
            responses = recorder.run(sequence.get("steps"));
        }
        catch (Exception e) {
            Path partial = tmp.resolve("responses.partial.json");
            JSON.writeValue(partial.toFile(), recorder.out);
            System.err.println("RestGoldens: " + e.getMessage() + " (worker output: " + log
                    + "; the responses before: " + partial + ")");
            throw e;
        }
        finally {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        JSON.writeValue(new File(args[1]), responses);
        Files.writeString(Path.of(args[1]), "\n", StandardOpenOption.APPEND);
        resetBroker(bootstrap, sequence);
        deleteTree(tmp);
    }

    /** Deletes the sequence's consumer groups and topics, then creates the topics again (one partition each). */
    private static void resetBroker(String bootstrap, JsonNode sequence) throws Exception {
        List<String> topics = new ArrayList<>();
        sequence.get("topics").forEach(t -> topics.add(t.asText()));
        List<String> groups = new ArrayList<>();
        sequence.get("consumer_groups").forEach(g -> groups.add(g.asText()));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            for (String group : groups) {
                try {
                    admin.deleteConsumerGroups(List.of(group)).all().get();
                }
                catch (ExecutionException e) {
                    if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                        throw e;
                    }
                }
            }
            for (String topic : topics) {
                try {
                    admin.deleteTopics(List.of(topic)).all().get();
                }
                catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw e;
                    }
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (String topic : topics) {
                while (true) {
                    try {
                        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
                        break;
                    }
                    catch (ExecutionException e) {
                        // a topic being deleted still "exists" for a moment
                        if (!(e.getCause() instanceof TopicExistsException) || System.nanoTime() > deadline) {
                            throw e;
                        }
                        Thread.sleep(POLL.toMillis());
                    }
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void awaitStartup(Process process) throws Exception {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the worker exited with " + process.exitValue());
            }
            try {
                HttpResponse<String> r = send("GET", "/", null);
                if (r.statusCode() == 200) {
                    return;
                }
            }
            catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(POLL.toMillis());
        }
        throw new IllegalStateException("the worker did not answer GET / within " + STARTUP_TIMEOUT);
    }

    private ArrayNode run(JsonNode steps) throws Exception {
        for (JsonNode step : steps) {
            String name = step.get("name").asText();
            if (step.has("write_file")) {
                writeFile(step.get("write_file"));
            }
            String body = null;
            if (step.has("body")) {
                body = withDir(JSON.writer().without(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(step.get("body")));
            }
            else if (step.has("raw_body")) {
                body = withDir(step.get("raw_body").asText());
            }
            String path = withDir(step.get("path").asText());
            List<JsonNode> until = new ArrayList<>();
            if (step.has("until")) {
                if (step.get("until").isArray()) {
                    step.get("until").forEach(until::add);
                }
                else {
                    until.add(step.get("until"));
                }
            }
            long deadline = System.nanoTime() + UNTIL_TIMEOUT.toNanos();
            HttpResponse<String> response;
            JsonNode parsed;
            while (true) {
                response = send(step.get("method").asText(), path, body);
                parsed = withoutDir(parse(response.body()));
                if (holds(until, parsed)) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("step '" + name + "': the condition " + until
                            + " did not hold within " + UNTIL_TIMEOUT + "; last response " + response.statusCode()
                            + " " + response.body());
                }
                Thread.sleep(POLL.toMillis());
            }
            JsonNode normalized = normalize(parsed);
            if (step.has("unordered")) {
                for (JsonNode pointer : step.get("unordered")) {
                    normalized = sortArrayAt(normalized, pointer.asText());
                }
            }
            if (step.has("ignore_pointers")) {
                for (JsonNode pointer : step.get("ignore_pointers")) {
                    normalized = replaceAt(normalized, pointer.asText(), TextNode.valueOf(IGNORED));
                }
            }
            ObjectNode record = out.addObject();
            record.put("name", name);
            record.put("status", response.statusCode());
            record.set("body", normalized);
        }
        return out;
    }

    private void writeFile(JsonNode spec) throws IOException {
        StringBuilder text = new StringBuilder();
        for (JsonNode line : spec.get("lines")) {
            text.append(withDir(line.asText())).append('\n');
        }
        Files.writeString(Path.of(dir, spec.get("path").asText()), text.toString(), StandardCharsets.UTF_8);
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(90))
                .header("Accept", "application/json");
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        }
        else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** The body as JSON: null when empty, a JSON string when it is not JSON. */
    private static JsonNode parse(String body) {
        if (body == null || body.isEmpty()) {
            return NODES.nullNode();
        }
        try {
            return JSON.readTree(body);
        }
        catch (JsonProcessingException e) {
            return TextNode.valueOf(body);
        }
    }

    private static boolean holds(List<JsonNode> conditions, JsonNode body) {
        for (JsonNode c : conditions) {
            JsonNode actual = body.at(c.get("pointer").asText());
            JsonNode expected = c.get("equals");
            boolean same = actual.equals(expected)
                    || (actual.isNumber() && expected.isNumber() && actual.decimalValue().compareTo(expected.decimalValue()) == 0);
            if (!same) {
                return false;
            }
        }
        return true;
    }

    private String withDir(String s) {
        return s.replace("${dir}", dir);
    }

    /** Every string and object key with the scratch directory's path in it, with ${dir} in its place. */
    private JsonNode withoutDir(JsonNode node) {
        if (node.isTextual()) {
            return TextNode.valueOf(node.asText().replace(dir, "${dir}"));
        }
        if (node.isArray()) {
            ArrayNode a = NODES.arrayNode();
            node.forEach(e -> a.add(withoutDir(e)));
            return a;
        }
        if (node.isObject()) {
            ObjectNode o = NODES.objectNode();
            node.fields().forEachRemaining(e -> o.set(e.getKey().replace(dir, "${dir}"), withoutDir(e.getValue())));
            return o;
        }
        return node;
    }

    /** The ignored keys' values replaced, object keys sorted, at every depth. */
    private JsonNode normalize(JsonNode node) {
        if (node.isArray()) {
            ArrayNode a = NODES.arrayNode();
            node.forEach(e -> a.add(normalize(e)));
            return a;
        }
        if (node.isObject()) {
            ObjectNode o = NODES.objectNode();
            List<String> keys = new ArrayList<>();
            node.fieldNames().forEachRemaining(keys::add);
            keys.sort(Comparator.naturalOrder());
            for (String k : keys) {
                o.set(k, ignoredKeys.contains(k) ? TextNode.valueOf(IGNORED) : normalize(node.get(k)));
            }
            return o;
        }
        return node;
    }

    /** The node with the array at the JSON pointer sorted by each element's compact JSON text. */
    private static JsonNode sortArrayAt(JsonNode root, String pointer) {
        JsonNode target = root.at(pointer);
        if (!target.isArray()) {
            return root;
        }
        List<JsonNode> elements = new ArrayList<>();
        target.forEach(elements::add);
        elements.sort(Comparator.comparing(RestGoldens::compact));
        ArrayNode sorted = NODES.arrayNode();
        elements.forEach(sorted::add);
        return replaceAt(root, pointer, sorted);
    }

    /** The node with the value at the JSON pointer (when present) replaced. */
    private static JsonNode replaceAt(JsonNode root, String pointer, JsonNode value) {
        if (pointer.isEmpty()) {
            return value;
        }
        if (root.at(pointer).isMissingNode()) {
            return root;
        }
        int slash = pointer.lastIndexOf('/');
        JsonNode parent = root.at(pointer.substring(0, slash));
        String last = pointer.substring(slash + 1).replace("~1", "/").replace("~0", "~");
        if (parent.isObject()) {
            ((ObjectNode) parent).set(last, value);
        }
        else if (parent.isArray()) {
            ((ArrayNode) parent).set(Integer.parseInt(last), value);
        }
        return root;
    }

    private static String compact(JsonNode node) {
        try {
            return JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(node);
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
