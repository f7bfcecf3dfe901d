using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;

namespace DigiUsher.Admin;

/// <summary>A queue as the management API reports it.</summary>
public sealed record QueueInfo(string Name, long Ready, long Unacknowledged, long Consumers);

/// <summary>A message waiting in an _error queue, with MassTransit's fault headers and what it is about.</summary>
/// <param name="MessageId">The broker message id.</param>
/// <param name="MessageType">The MassTransit message type (URN).</param>
/// <param name="Reason">MassTransit's reason for moving it (MT-Reason).</param>
/// <param name="ExceptionType">The last exception's type.</param>
/// <param name="ExceptionMessage">The last exception's message.</param>
/// <param name="FaultedAt">When it was moved to the _error queue.</param>
/// <param name="IdempotencyKey">The fact the message states (every DigiUsher message has one): a delivery announced again carries the same key.</param>
/// <param name="DataSourceId">The data source, when the message names one.</param>
/// <param name="DeliveryId">The CUR delivery, when the message names one (ReportAvailable).</param>
public sealed record FaultedMessage(
    string? MessageId,
    string? MessageType,
    string? Reason,
    string? ExceptionType,
    string? ExceptionMessage,
    DateTimeOffset? FaultedAt,
    string? IdempotencyKey = null,
    Guid? DataSourceId = null,
    string? DeliveryId = null);

/// <summary>
/// The broker, for operators: queue figures from the management API; reading, moving and purging
/// _error messages over AMQP (a message is acknowledged in the _error queue only after the broker
/// confirmed its copy in the source queue, so a failure never loses it).
/// </summary>
public sealed class RabbitMqAdmin(AdminSettings settings) : IDisposable
{
    private readonly HttpClient _http = CreateHttp(settings.RabbitManagement);

    public async Task<IReadOnlyList<QueueInfo>> QueuesAsync(CancellationToken cancellationToken)
    {
        var vhost = Uri.EscapeDataString(settings.VirtualHost);
        using var response = await _http.GetAsync($"api/queues/{vhost}?columns=name,messages_ready,messages_unacknowledged,consumers", cancellationToken);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return json.RootElement.EnumerateArray().Select(q => new QueueInfo(
            q.GetProperty("name").GetString()!,
            Number(q, "messages_ready"),
            Number(q, "messages_unacknowledged"),
            Number(q, "consumers"))).OrderBy(q => q.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Up to <paramref name="max"/> messages of an _error queue, each returned to it unchanged.</summary>
    public async Task<IReadOnlyList<FaultedMessage>> PeekAsync(string errorQueue, int max, CancellationToken cancellationToken)
    {
        ErrorQueues.SourceOf(errorQueue);
        await using var connection = await ConnectAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var seen = new List<(ulong Tag, FaultedMessage Message)>();
        while (seen.Count < max && await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken) is { } got)
        {
            seen.Add((got.DeliveryTag, Describe(got.BasicProperties, got.Body)));
        }

        // Returned only once all were read, so no message is read twice.
        foreach (var (tag, _) in seen)
        {
            await channel.BasicNackAsync(tag, multiple: false, requeue: true, cancellationToken);
        }

        return seen.Select(s => s.Message).ToList();
    }

    /// <summary>Moves up to <paramref name="max"/> messages of an _error queue back to their queue; returns how many.</summary>
    public async Task<int> ReplayAsync(string errorQueue, int max, CancellationToken cancellationToken)
    {
        var source = ErrorQueues.SourceOf(errorQueue);
        await using var connection = await ConnectAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        var moved = 0;
        while (moved < max && await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken) is { } got)
        {
            var properties = new BasicProperties(got.BasicProperties)
            {
                Headers = got.BasicProperties.Headers?
                    .Where(h => !h.Key.StartsWith("MT-Fault", StringComparison.Ordinal) && h.Key != "MT-Reason")
                    .ToDictionary(h => h.Key, h => h.Value),
            };

            // The default exchange routes to the queue named by the routing key: only that queue gets it,
            // not every subscriber of the message type. Awaited: the broker confirmed it.
            await channel.BasicPublishAsync(string.Empty, source, mandatory: true, properties, got.Body, cancellationToken);
            await channel.BasicAckAsync(got.DeliveryTag, multiple: false, cancellationToken);
            moved++;
        }

        return moved;
    }

    /// <summary>Deletes the messages of an _error queue that <paramref name="settled"/> picks (up to <paramref name="max"/> read); returns how many.</summary>
    public async Task<int> PurgeWhereAsync(string errorQueue, int max, Func<FaultedMessage, bool> settled, CancellationToken cancellationToken)
    {
        ErrorQueues.SourceOf(errorQueue);
        await using var connection = await ConnectAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var kept = new List<ulong>();
        var deleted = 0;
        for (var read = 0; read < max && await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken) is { } got; read++)
        {
            if (settled(Describe(got.BasicProperties, got.Body)))
            {
                await channel.BasicAckAsync(got.DeliveryTag, multiple: false, cancellationToken);
                deleted++;
            }
            else
            {
                kept.Add(got.DeliveryTag);
            }
        }

        // Returned only once all were read, so no message is read twice.
        foreach (var tag in kept)
        {
            await channel.BasicNackAsync(tag, multiple: false, requeue: true, cancellationToken);
        }

        return deleted;
    }

    /// <summary>Deletes every message of an _error queue; returns how many.</summary>
    public async Task<uint> PurgeAsync(string errorQueue, CancellationToken cancellationToken)
    {
        ErrorQueues.SourceOf(errorQueue);
        await using var connection = await ConnectAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        return await channel.QueuePurgeAsync(errorQueue, cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    private Task<IConnection> ConnectAsync(CancellationToken cancellationToken) =>
        new ConnectionFactory { Uri = settings.Amqp, VirtualHost = settings.VirtualHost, ClientProvidedName = "digiusher-admin" }
            .CreateConnectionAsync(cancellationToken);

    private static FaultedMessage Describe(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body)
    {
        var headers = properties.Headers ?? new Dictionary<string, object?>();
        string? Header(string name) => headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            null => null,
            _ => value.ToString(),
        } : null;

        string? type = null;
        string? idempotencyKey = null;
        string? deliveryId = null;
        Guid? dataSourceId = null;
        try
        {
            using var envelope = JsonDocument.Parse(body);
            if (envelope.RootElement.TryGetProperty("messageType", out var types) && types.GetArrayLength() > 0)
            {
                type = types[0].GetString();
            }

            if (envelope.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object)
            {
                idempotencyKey = Text(message, "idempotencyKey");
                deliveryId = Text(message, "deliveryId");
                dataSourceId = Guid.TryParse(Text(message, "dataSourceId"), out var id) ? id : null;
            }
        }
        catch (JsonException)
        {
            type = properties.Type;
        }

        return new FaultedMessage(
            properties.MessageId ?? Header("MessageId"),
            type,
            Header("MT-Reason"),
            Header("MT-Fault-ExceptionType"),
            Header("MT-Fault-Message"),
            DateTimeOffset.TryParse(Header("MT-Fault-Timestamp"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null,
            idempotencyKey,
            dataSourceId,
            deliveryId);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;

    private static HttpClient CreateHttp(Uri management)
    {
        var builder = new UriBuilder(management) { UserName = string.Empty, Password = string.Empty };
        var http = new HttpClient { BaseAddress = new Uri(builder.Uri.ToString().TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
        if (!string.IsNullOrEmpty(management.UserInfo))
        {
            var credentials = Uri.UnescapeDataString(management.UserInfo);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }

        return http;
    }
}
