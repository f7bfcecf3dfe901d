using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.Admin;

/// <summary>What each command does: read, act, print. Exit codes: 0 done, 1 something needs attention, 2 refused.</summary>
public static class Commands
{
    public static async Task<int> StatusAsync(AdminSettings settings, TimeSpan stuckAfter, TextWriter output, CancellationToken cancellationToken)
    {
        var attention = false;
        output.WriteLine("Services");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var (name, url) in settings.Services.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            string state;
            try
            {
                using var response = await http.GetAsync(new Uri(url, "/health/ready"), cancellationToken);
                state = response.IsSuccessStatusCode ? "ready" : $"not ready ({(int)response.StatusCode})";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                state = "unreachable";
            }

            attention |= state != "ready";
            output.WriteLine($"  {name,-18} {state,-22} {url}");
        }

        using var rabbit = new RabbitMqAdmin(settings);
        var queues = await rabbit.QueuesAsync(cancellationToken);
        output.WriteLine("Queues (ready, unacknowledged, consumers)");
        foreach (var queue in queues.Where(q => !ErrorQueues.IsErrorQueue(q.Name)))
        {
            output.WriteLine($"  {queue.Name,-48} {queue.Ready,8} {queue.Unacknowledged,8} {queue.Consumers,4}");
        }

        var errors = queues.Where(q => ErrorQueues.IsErrorQueue(q.Name) && q.Ready + q.Unacknowledged > 0).ToList();
        output.WriteLine(errors.Count == 0 ? "_error queues: empty" : "_error queues (digiusher-admin errors list <queue>)");
        foreach (var queue in errors)
        {
            output.WriteLine($"  {queue.Name,-48} {queue.Ready,8}");
        }

        attention |= errors.Count > 0;
        var database = new DatabaseReports(settings.Postgres);
        var stuck = await database.LoadingImportsAsync(stuckAfter, cancellationToken);
        output.WriteLine(stuck.Count == 0 ? $"Imports loading for over {stuckAfter.TotalMinutes:0} min: none" : $"Imports loading for over {stuckAfter.TotalMinutes:0} min");
        foreach (var import in stuck)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {import.ImportId} data source {import.DataSourceId} {import.BillingPeriod} delivery {import.DeliveryId} since {import.StartedAt:u} held by {import.LeaseOwner ?? "nobody"} until {import.LeaseExpiresAt:u}"));
        }

        attention |= stuck.Count > 0;
        var running = await database.ImportsInProgressAsync(cancellationToken);
        output.WriteLine(running.Count == 0 ? "Imports in progress: none" : "Imports in progress (files done/files, rows, rows/s, expected end, replica)");
        foreach (var import in running)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {import.ImportId} data source {import.DataSourceId} {import.BillingPeriod} delivery {import.DeliveryId}: {import.FilesDone}/{import.Files} files, {import.Rows} rows, {import.RowsPerSecond:0} rows/s, ends ~{import.ExpectedEndAt:u}, held by {import.Replica ?? "unknown"} (reported {import.ReportedAt:u})"));
        }

        output.WriteLine("Outbox backlog (rows, oldest)");
        foreach (var outbox in await database.OutboxesAsync(cancellationToken))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {outbox.Schema,-18} {outbox.Rows,8} {outbox.Oldest.TotalSeconds,10:0} s"));
            attention |= outbox.Oldest > TimeSpan.FromMinutes(5);
        }

        return attention ? 1 : 0;
    }

    public static async Task<int> ErrorsListAsync(AdminSettings settings, string? queue, int max, TextWriter output, CancellationToken cancellationToken)
    {
        using var rabbit = new RabbitMqAdmin(settings);
        if (queue is null)
        {
            var errors = (await rabbit.QueuesAsync(cancellationToken)).Where(q => ErrorQueues.IsErrorQueue(q.Name)).ToList();
            foreach (var error in errors)
            {
                output.WriteLine($"{error.Name,-48} {error.Ready,8}");
            }

            return errors.Any(e => e.Ready > 0) ? 1 : 0;
        }

        var messages = await rabbit.PeekAsync(ErrorQueues.Named(queue), max, cancellationToken);
        var settled = await SettledAsync(settings, messages, cancellationToken);
        var items = ErrorItems.Collapse(messages, settled);
        foreach (var item in items)
        {
            var message = item.Latest;
            var times = item.Messages > 1 ? $" (x{item.Messages}: announced {item.Messages} times)" : string.Empty;
            var state = item.Settled ? " [settled since: the delivery was imported or superseded; errors purge --settled removes it]" : string.Empty;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{message.MessageId} {message.MessageType} {item.Key}{times} faulted {message.FaultedAt:u}: {message.ExceptionType}: {message.ExceptionMessage ?? message.Reason}{state}"));
        }

        output.WriteLine($"{messages.Count} message(s) in {ErrorQueues.Named(queue)}: {items.Count(i => !i.Settled)} problem(s), {items.Count(i => i.Settled)} settled");
        return items.Any(i => !i.Settled) ? 1 : 0;
    }

    /// <summary>Deletes the messages of an _error queue whose delivery was imported or superseded since (stale announcements).</summary>
    public static async Task<int> ErrorsPurgeSettledAsync(AdminSettings settings, string queue, int max, TextWriter output, CancellationToken cancellationToken)
    {
        using var rabbit = new RabbitMqAdmin(settings);
        var errorQueue = ErrorQueues.Named(queue);
        var settled = await SettledAsync(settings, await rabbit.PeekAsync(errorQueue, max, cancellationToken), cancellationToken);
        var purged = await rabbit.PurgeWhereAsync(errorQueue, max, settled, cancellationToken);
        output.WriteLine($"{purged} settled message(s) deleted from {errorQueue}");
        return 0;
    }

    private static async Task<Func<FaultedMessage, bool>> SettledAsync(AdminSettings settings, IReadOnlyList<FaultedMessage> messages, CancellationToken cancellationToken)
    {
        var deliveries = messages.Where(m => m.DataSourceId is not null && m.DeliveryId is not null)
            .Select(m => (m.DataSourceId!.Value, m.DeliveryId!)).Distinct().ToList();
        var settled = await new DatabaseReports(settings.Postgres).SettledDeliveriesAsync(deliveries, cancellationToken);
        return m => m.DataSourceId is { } id && m.DeliveryId is { } delivery && settled.Contains((id, delivery));
    }

    public static async Task<int> ErrorsReplayAsync(AdminSettings settings, string queue, int max, TextWriter output, CancellationToken cancellationToken)
    {
        using var rabbit = new RabbitMqAdmin(settings);
        var errorQueue = ErrorQueues.Named(queue);
        var moved = await rabbit.ReplayAsync(errorQueue, max, cancellationToken);
        output.WriteLine($"{moved} message(s) moved from {errorQueue} to {ErrorQueues.SourceOf(errorQueue)}");
        return 0;
    }

    public static async Task<int> ErrorsPurgeAsync(AdminSettings settings, string queue, TextWriter output, CancellationToken cancellationToken)
    {
        using var rabbit = new RabbitMqAdmin(settings);
        var errorQueue = ErrorQueues.Named(queue);
        var purged = await rabbit.PurgeAsync(errorQueue, cancellationToken);
        output.WriteLine($"{purged} message(s) deleted from {errorQueue}");
        return 0;
    }

    public static async Task<int> SecretsRekeyAsync(AdminSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        using var http = await DataSourceAsAdminAsync(settings, Scopes.SecretsRekey, output, cancellationToken);
        if (http is null)
        {
            return 2;
        }

        using var response = await http.PostAsync("/internal/v1/admin/secrets/rekey", null, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            output.WriteLine($"DataSource refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            return 1;
        }

        var result = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var unreadable = result.GetProperty("unreadable").EnumerateArray().Select(e => e.GetString()).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Re-encrypted with key {result.GetProperty("keyId").GetString()}: {result.GetProperty("rekeyed").GetInt32()}; already on it: {result.GetProperty("alreadyCurrent").GetInt32()}"));
        foreach (var id in unreadable)
        {
            output.WriteLine($"  data source {id}: no configured key opens its secret (re-enter its keys)");
        }

        return unreadable.Count > 0 ? 1 : 0;
    }

    /// <summary>
    /// Asks DataSource for one billing period of one data source to be imported again (CurPoller announces
    /// the period's newest delivery anew; CurParser imports it and swaps it in for the period in one
    /// transaction); with <paramref name="wait"/>, waits for the new import to be current and prints it.
    /// </summary>
    public static async Task<int> ReimportAsync(AdminSettings settings, string dataSource, string month, TimeSpan wait, TextWriter output, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(dataSource, out var dataSourceId))
        {
            output.WriteLine($"'{dataSource}' is not a data source id: give its id (a UUID, as GET /api/v1/data-sources lists it).");
            return 2;
        }

        if (!DateOnly.TryParseExact(month, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            output.WriteLine($"'{month}' is not a month: write it yyyy-MM (for example 2025-06).");
            return 2;
        }

        using var http = await DataSourceAsAdminAsync(settings, Scopes.ImportsReimport, output, cancellationToken);
        if (http is null)
        {
            return 2;
        }

        using var response = await http.PostAsync($"/internal/v1/admin/data-sources/{dataSourceId}/reimport/{month}", null, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var problem = await response.Content.ReadAsStringAsync(cancellationToken);
            output.WriteLine(response.StatusCode == System.Net.HttpStatusCode.NotFound
                ? $"DataSource has no data source {dataSourceId}."
                : $"DataSource refused: {(int)response.StatusCode} {problem}");
            return 2;
        }

        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var requestKey = accepted.GetProperty("requestKey").GetString()!;
        var requestedAt = accepted.GetProperty("requestedAt").GetDateTimeOffset();
        output.WriteLine($"Re-import of {month} for data source {dataSourceId} asked (request {requestKey}); CurPoller announces the period's newest delivery at its next poll, now.");
        if (wait <= TimeSpan.Zero)
        {
            return 0;
        }

        var database = new DatabaseReports(settings.Postgres);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(wait);
        try
        {
            while (true)
            {
                if (await database.ReimportOutcomeAsync(requestKey, dataSourceId, month, requestedAt, deadline.Token) is { } outcome)
                {
                    output.WriteLine(outcome.Message);
                    return outcome.Current ? 0 : 1;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            output.WriteLine($"No new import of {month} became current within {wait.TotalMinutes:0.#} min; digiusher-admin status shows what is loading.");
            return 1;
        }
    }

    /// <summary>A client of DataSource holding a token of the admin service identity with <paramref name="scope"/>; null (said why) when refused.</summary>
    internal static async Task<HttpClient?> DataSourceAsAdminAsync(AdminSettings settings, string scope, TextWriter output, CancellationToken cancellationToken)
    {
        if (settings.AdminClientSecret is null)
        {
            output.WriteLine("DIGIUSHER_ADMIN_CLIENT_SECRET is not set: the tool gets its own token (client \"admin\") with it to call DataSource.");
            return null;
        }

        var http = new HttpClient { BaseAddress = settings.ServiceUrl("DataSource"), Timeout = TimeSpan.FromMinutes(5) };
        using var tokenResponse = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ServiceIdentities.Admin,
            ["client_secret"] = settings.AdminClientSecret,
            ["scope"] = scope,
        }), cancellationToken);
        if (!tokenResponse.IsSuccessStatusCode)
        {
            output.WriteLine($"DataSource refused the admin client: {(int)tokenResponse.StatusCode} {await tokenResponse.Content.ReadAsStringAsync(cancellationToken)}");
            http.Dispose();
            return null;
        }

        var token = await tokenResponse.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.GetProperty("access_token").GetString());
        return http;
    }

    public static async Task<int> MigrateStatusAsync(AdminSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        var missing = false;
        foreach (var schema in await new DatabaseReports(settings.Postgres).MigrationsAsync(cancellationToken))
        {
            if (schema.Applied.Count == 0)
            {
                output.WriteLine($"{schema.Schema,-12} not migrated (run the service's migrate step)");
                missing = true;
                continue;
            }

            var last = schema.Applied[^1];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{schema.Schema,-12} {schema.Applied.Count} applied, last {last.Name} at {last.AppliedAt:u}"));
            foreach (var (name, at) in schema.Applied)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {name,-40} {at:u}"));
            }
        }

        return missing ? 1 : 0;
    }
}
