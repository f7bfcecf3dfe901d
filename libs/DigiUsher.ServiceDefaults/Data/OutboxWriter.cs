using System.Text.Json;
using Dapper;
using Npgsql;

namespace DigiUsher.ServiceDefaults.Data;

/// <summary>
/// Writes an event into the service's outbox table inside the caller's transaction, so a committed
/// change is never without its event (MassTransit's EF outbox is not available to us).
/// <see cref="OutboxDispatcher"/> publishes it after commit.
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
            insert into {schema}.outbox (message_id, message_type, body) values (@messageId, @type, @body::jsonb)
            on conflict (message_id) do nothing;
            select pg_notify('{schema}_outbox', '');
            """,
            new { messageId, type = typeof(T).FullName, body = JsonSerializer.Serialize(message, Json) },
            transaction);
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions();
        ServiceDefaultsExtensions.ConfigureJson(options);
        return options;
    }
}
