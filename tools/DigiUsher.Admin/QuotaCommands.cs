using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.Admin;

/// <summary>The values of <c>quotas set</c>: each one given overrides that quota for the organization, the others stay the default.</summary>
public sealed record QuotaOverrideValues(int? DataSources, int? KeysPerPoll, long? ManifestBytes, long? DeliveryBytes, long? DeliveryRows, string? Reason, DateTimeOffset? ExpiresAt);

/// <summary>
/// One organization's quota overrides through DataSource's internal endpoint, with the <c>quotas:write</c>
/// scope only the <c>admin</c> identity holds. Each prints the quotas in force and where each comes from.
/// </summary>
public static class QuotaCommands
{
    public static Task<int> ShowAsync(AdminSettings settings, string organization, TextWriter output, CancellationToken cancellationToken) =>
        SendAsync(settings, organization, HttpMethod.Get, null, output, cancellationToken);

    public static Task<int> SetAsync(AdminSettings settings, string organization, QuotaOverrideValues values, TextWriter output, CancellationToken cancellationToken) =>
        SendAsync(settings, organization, HttpMethod.Put, JsonContent.Create(new
        {
            dataSourcesPerOrganization = values.DataSources,
            keysListedPerPoll = values.KeysPerPoll,
            manifestBytes = values.ManifestBytes,
            deliveryBytes = values.DeliveryBytes,
            deliveryRows = values.DeliveryRows,
            reason = values.Reason,
            expiresAt = values.ExpiresAt,
        }), output, cancellationToken);

    public static Task<int> ClearAsync(AdminSettings settings, string organization, TextWriter output, CancellationToken cancellationToken) =>
        SendAsync(settings, organization, HttpMethod.Delete, null, output, cancellationToken);

    private static async Task<int> SendAsync(AdminSettings settings, string organization, HttpMethod method, HttpContent? body, TextWriter output, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(organization, out var organizationId))
        {
            output.WriteLine($"'{organization}' is not an organization id: give its id (a UUID: the organizationId registration answered, or the org claim of its users' tokens).");
            return 2;
        }

        using var http = await Commands.DataSourceAsAdminAsync(settings, Scopes.QuotasWrite, output, cancellationToken);
        if (http is null)
        {
            return 2;
        }

        using var request = new HttpRequestMessage(method, $"/internal/v1/admin/organizations/{organizationId}/quotas") { Content = body };
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var problem = await response.Content.ReadAsStringAsync(cancellationToken);
            output.WriteLine(response.StatusCode == System.Net.HttpStatusCode.NotFound
                ? $"DataSource has no organization {organizationId}."
                : $"DataSource refused: {(int)response.StatusCode} {ProblemDetail(problem)}");
            return 2;
        }

        Print(await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken), output);
        return 0;
    }

    /// <summary>The quotas in force, one line each with its source, then the stored override.</summary>
    private static void Print(JsonElement view, TextWriter output)
    {
        var quotas = view.GetProperty("quotas");
        var sources = quotas.GetProperty("sources");
        output.WriteLine($"Organization {view.GetProperty("organizationId").GetGuid()}: {quotas.GetProperty("dataSources").GetInt32()} data source(s)");
        foreach (var name in (string[])["dataSourcesPerOrganization", "keysListedPerPoll", "manifestBytes", "deliveryBytes", "deliveryRows"])
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-28} {quotas.GetProperty(name).GetInt64(),20:N0}  {sources.GetProperty(name).GetString()}"));
        }

        if (view.GetProperty("override") is { ValueKind: JsonValueKind.Object } stored)
        {
            var values = stored.GetProperty("values");
            var expires = values.GetProperty("expiresAt") is { ValueKind: JsonValueKind.String } e
                ? string.Create(CultureInfo.InvariantCulture, $", until {e.GetDateTimeOffset():u}")
                : string.Empty;
            var inForce = stored.GetProperty("inForce").GetBoolean() ? string.Empty : " (expired, not in force)";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Override{inForce}: \"{values.GetProperty("reason").GetString()}\"{expires}, set {values.GetProperty("updatedAt").GetDateTimeOffset():u} by {values.GetProperty("updatedBy").GetString()}"));
        }
        else
        {
            output.WriteLine("No override: the defaults apply.");
        }
    }

    private static string ProblemDetail(string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            return problem.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}
