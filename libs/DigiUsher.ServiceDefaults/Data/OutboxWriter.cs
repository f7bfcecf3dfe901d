using System.Diagnostics;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace DigiUsher.ServiceDefaults.Data;

/// <summary>
/// Writes an event into the service's outbox table inside the caller's transaction, so a committed
/// change is never without its event (MassTransit's EF outbox is not available to us).
/// <see cref="OutboxDispatcher"/> publishes it after commit, in the trace it was written in.
/// </summary>
public sealed class OutboxWriter(string schema)
{
    internal static readonly JsonSerializerOptions Json = CreateJson();

    public string Schema => schema;

    /// <summary>Adds <paramref name="message"/>; a second add with the same <paramref name="messageId"/> is a no-op.</summary>
    public async Task AddAsync<T>(NpgsqlConnection connection, NpgsqlTransaction transaction, T message, Guid messageId)
        where T : class
    {
        await connection.ExecuteAsync(
            $"""
            insert into {schema}.outbox (message_id, message_type, body, trace_parent) values (@messageId, @type, @body::jsonb, @traceParent)
            on conflict (message_id) do nothing;
            select pg_notify('{schema}_outbox', '');
            """,
            new { messageId, type = typeof(T).FullName, body = JsonSerializer.Serialize(message, Json), traceParent = TraceParent() },
            transaction);
    }

    /// <summary>The current span as a W3C traceparent (only W3C ids can be carried; .NET's default format since 5.0).</summary>
    private static string? TraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions();
        ServiceDefaultsExtensions.ConfigureJson(options);
        return options;
    }
}
