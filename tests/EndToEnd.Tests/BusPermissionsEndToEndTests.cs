using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using DigiUsher.Client.DataSource;
using DigiUsher.Testing;
using DigiUsher.Testing.Aws;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace DigiUsher.EndToEnd.Tests;

/// <summary>
/// The services as deployed: each on its own RabbitMQ user with the permissions of
/// charts/digiusher/files/rabbitmq-topology.tsv (created by the same script as scripts/dev, Compose and
/// the chart). A foothold in Query or CurParser, holding that service's RabbitMQ password, tries to get
/// tenants' AWS credentials or forge events over the bus; the broker refuses each attempt by name,
/// while the real services poll, parse and load a month exactly under the same permissions.
/// CurParser's rollups answer Query's service identity only, whatever else DataSource issued.
/// </summary>
public class BusPermissionsEndToEndTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task ServicesOnTheirOwnRabbitMqUsers_WhenQueryOrCurParsersUserAsksForCredentialsOrForgesEvents_AreRefusedWhileAMonthImportsExactly()
    {
        await using var moto = await MotoServer.StartAsync();
        var account = new AwsAccount(moto.Url);
        await account.SeedAsync();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var month = new CurMonth(account.Resources, "123456789012", new DateOnly(today.Year, today.Month, 1).AddMonths(-1));
        await month.UploadAsync(moto.Url, account.CurBucket);

        await using var stack = await ServiceStack.StartAsync(moto.Url, ["DataSource", "CurParser", "CurPoller", "Query"]);
        try
        {
            var signedUp = await stack.RegisterOrganizationAsync("bus-permissions");
            using var admin = signedUp.Client;
            var organizationId = signedUp.OrganizationId;
            var created = await admin.DataSource.CreateDataSourceAsync(new CreateDataSourceRequest
            {
                Name = "Payer", Kind = "aws-root", AccessKeyId = account.AccessKeyId, SecretAccessKey = account.SecretAccessKey,
                Bucket = account.CurBucket, Prefix = CurMonth.Prefix, Region = "us-east-1",
            });
            var request = Envelope("GetAwsCredentials", new { organizationId, dataSourceId = created.Id, idempotencyKey = Guid.NewGuid().ToString(), purpose = "cur-poller" });
            var query = stack.BusUsers["Query"];
            var parser = stack.BusUsers["CurParser"];

            // Query's user: no way to ask for credentials, nor to read the requests or the queue DataSource answers from.
            Assert.Contains($"access to exchange 'DigiUsher.Contracts:GetAwsCredentials' in vhost '{stack.VirtualHost.Name}' refused for user '{query.Username}'",
                await RefusedAsync(stack, query, c => PublishAsync(c, "DigiUsher.Contracts:GetAwsCredentials", "", query.Username, request)), StringComparison.Ordinal);
            Assert.Contains("access to exchange 'get-aws-credentials'",
                await RefusedAsync(stack, query, c => PublishAsync(c, "get-aws-credentials", "", query.Username, request)), StringComparison.Ordinal);
            Assert.Contains("access to exchange 'amq.default'",
                await RefusedAsync(stack, query, c => PublishAsync(c, "", "get-aws-credentials", query.Username, request)), StringComparison.Ordinal);
            Assert.Contains("access to exchange 'DigiUsher.Contracts:GetAwsCredentials'", await RefusedAsync(stack, query, async c =>
            {
                await c.QueueDeclareAsync("query-snoop", durable: false, exclusive: true, autoDelete: true);
                await c.QueueBindAsync("query-snoop", "DigiUsher.Contracts:GetAwsCredentials", "");
            }), StringComparison.Ordinal);
            Assert.Contains("access to queue 'get-aws-credentials'",
                await RefusedAsync(stack, query, c => c.BasicGetAsync("get-aws-credentials", autoAck: true)), StringComparison.Ordinal);

            // CurParser's user (it parses files tenants control): no forged removal (a purge) nor poll of another tenant.
            var removal = Envelope("DataSourceRemoved", new { organizationId, dataSourceId = created.Id, idempotencyKey = Guid.NewGuid().ToString(), occurredAt = DateTimeOffset.UtcNow });
            Assert.Contains("access to exchange 'DigiUsher.Contracts:DataSourceRemoved'",
                await RefusedAsync(stack, parser, c => PublishAsync(c, "DigiUsher.Contracts:DataSourceRemoved", "", parser.Username, removal)), StringComparison.Ordinal);
            Assert.Contains("access to queue 'cur-poller-poll-requested'",
                await RefusedAsync(stack, parser, c => c.BasicGetAsync("cur-poller-poll-requested", autoAck: true)), StringComparison.Ordinal);

            // Meanwhile the services, each on its own user, poll (credentials from DataSource), parse and load the month exactly.
            var from = DateOnly.Parse(month.From, CultureInfo.InvariantCulture);
            var to = DateOnly.Parse(month.To, CultureInfo.InvariantCulture);
            var importId = (await Eventually.Get<Guid?>(async () =>
                (await admin.Query.ListImportsAsync(created.Id).UnlessUnknownAsync())?.Items.SingleOrDefault() is { CostsStatus: "loaded" } import && import.Rows == month.Rows ? import.ImportId : null,
                Patience, $"the import of {month.BillingPeriod} loaded in Query")).GetValueOrDefault();
            Assert.Equal(month.Total, (await admin.Query.GetCostsAsync(from, to)).Total);

            // CurParser's rollups: DataSource's admin service identity and the tenant's own service client are
            // refused (the tenant cannot even be given the scope); Query's identity reads them.
            var rollups = new Uri(stack["CurParser"].BaseAddress, $"/internal/v1/imports/{importId}/daily-costs");
            using var http = new HttpClient();
            var tenantClient = await admin.DataSource.CreateServiceClientAsync(new CreateServiceClientRequest { Name = "snoop", Scopes = ["costs:read"] });
            var (_, noRollupScope) = await TokenAsync(http, stack, tenantClient.ClientId, tenantClient.ClientSecret, "import-rollups:read");
            Assert.Contains("invalid_scope", noRollupScope, StringComparison.Ordinal);
            var (tenantToken, _) = await TokenAsync(http, stack, tenantClient.ClientId, tenantClient.ClientSecret, "costs:read");
            var (adminIdentity, _) = await TokenAsync(http, stack, "admin", TestEnvironment.ServiceSecret("admin"), "imports:reimport");
            var (queryIdentity, _) = await TokenAsync(http, stack, "query", TestEnvironment.ServiceSecret("query"), "import-rollups:read");
            Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(http, rollups, tenantToken!));
            Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(http, rollups, adminIdentity!));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, rollups, queryIdentity!));
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"{ex.Message}\n{stack.Logs()}", ex);
        }
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> on a channel of its own as <paramref name="user"/> and answers the
    /// broker's reason for closing the channel (null when it never did).
    /// </summary>
    private static async Task<string?> RefusedAsync(ServiceStack stack, (string Username, string Password) user, Func<IChannel, Task> attempt)
    {
        var factory = new ConnectionFactory
        {
            HostName = TestEnvironment.RabbitHost, Port = TestEnvironment.RabbitPort, VirtualHost = stack.VirtualHost.Name,
            UserName = user.Username, Password = user.Password,
        };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        try
        {
            await attempt(channel);
        }
        catch (OperationInterruptedException)
        {
            // The channel was closed by the broker; its reason says why.
        }
        catch (PublishException)
        {
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!channel.IsClosed && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(channel.IsClosed, $"{user.Username} was let through");
        Assert.Equal(403, channel.CloseReason!.ReplyCode);
        return channel.CloseReason.ReplyText;
    }

    private static Task PublishAsync(IChannel channel, string exchange, string routingKey, string userId, byte[] body) =>
        channel.BasicPublishAsync(exchange, routingKey, mandatory: false,
            new BasicProperties { UserId = userId, ContentType = "application/vnd.masstransit+json", MessageId = Guid.NewGuid().ToString() }, body).AsTask();

    /// <summary>A message as MassTransit puts it on the wire.</summary>
    private static byte[] Envelope(string type, object message) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        messageId = Guid.NewGuid(),
        messageType = new[] { $"urn:message:DigiUsher.Contracts:{type}" },
        message,
        sentTime = DateTimeOffset.UtcNow,
    });

    /// <summary>A client_credentials token from DataSource, or null and the refusal's body.</summary>
    private static async Task<(string? Token, string Body)> TokenAsync(HttpClient http, ServiceStack stack, string clientId, string secret, string scope)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret, ["scope"] = scope,
        });
        using var response = await http.PostAsync(new Uri(stack["DataSource"].BaseAddress, "/connect/token"), form);
        var body = await response.Content.ReadAsStringAsync();
        return (response.IsSuccessStatusCode ? JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString() : null, body);
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, Uri url, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
