package dev.streamkit.peers.debezium;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** Runs the corpus's SQL scripts, one statement at a time, in autocommit mode. */
final class Sql {
    private Sql() {}

    /**
     * Runs a script: a statement ends with a line whose last character is ';'; lines that
     * start with "--" are comments. Transactions are the script's own BEGIN/COMMIT.
     */
    static void run(Connection db, String script) throws SQLException {
        StringBuilder statement = new StringBuilder();
        int line = 0;
        int first = 0;
        for (String text : script.split("\n", -1)) {
            line++;
            String trimmed = text.strip();
            if (statement.isEmpty() && (trimmed.isEmpty() || trimmed.startsWith("--"))) {
                continue;
            }
            if (statement.isEmpty()) {
                first = line;
            }
            statement.append(text).append('\n');
            if (trimmed.endsWith(";")) {
                String sql = statement.toString().strip();
                sql = sql.substring(0, sql.length() - 1);
                try {
                    execute(db, sql);
                } catch (SQLException e) {
                    throw new SQLException("line " + first + ": " + e.getMessage() + "\n" + sql, e);
                }
                statement.setLength(0);
            }
        }
        if (!statement.toString().isBlank()) {
            throw new SQLException("the script ends inside a statement: " + statement);
        }
    }

    static void execute(Connection db, String sql) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute(sql);
        }
    }
}
