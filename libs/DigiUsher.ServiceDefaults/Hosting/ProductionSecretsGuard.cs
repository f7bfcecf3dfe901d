using System.Text;
using Microsoft.Extensions.Configuration;

namespace DigiUsher.ServiceDefaults.Hosting;

/// <summary>
/// Production refuses to start with the secrets this repository publishes: the development and test
/// keys and client secrets (scripts/dev, Compose, appsettings.Development.json, the tests all use values
/// beginning <c>dev-only-</c> or <c>test-only-</c>, plain or base64) and RabbitMQ's guest account.
/// </summary>
public static class ProductionSecretsGuard
{
    private static readonly string[] PublishedPrefixes = ["dev-only-", "test-only-"];

    /// <summary>The settings that hold a published secret, each with why; empty when none does.</summary>
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        var problems = new List<string>();
        if (string.Equals(configuration["RabbitMq:Username"], "guest", StringComparison.Ordinal)
            && string.Equals(configuration["RabbitMq:Password"], "guest", StringComparison.Ordinal))
        {
            problems.Add("RabbitMq:Username/Password is RabbitMQ's guest account");
        }

        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (value is not null && IsSecretSetting(key) && IsPublished(value))
            {
                problems.Add($"{key} is a development or test value published in this repository");
            }
        }

        return problems;
    }

    /// <summary>Throws when <paramref name="environmentName"/> is Production and a published secret is configured.</summary>
    public static void Check(IConfiguration configuration, string environmentName)
    {
        if (!string.Equals(environmentName, "Production", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var problems = Problems(configuration);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(
                "Production refuses to start with published development secrets: " + string.Join("; ", problems) + ". Configure your own (see charts/digiusher/README.md).");
        }
    }

    /// <summary>
    /// Every setting that can hold a secret: the key sections, connection strings, and any setting whose name
    /// says secret, password or key (<c>RoleAssumption:SecretAccessKey</c>, <c>Email:Smtp:Password</c>, ...).
    /// </summary>
    private static bool IsSecretSetting(string key)
    {
        var name = key[(key.LastIndexOf(':') + 1)..];
        return key.StartsWith("Credentials:", StringComparison.OrdinalIgnoreCase)
            || key.StartsWith("ConnectionStrings:", StringComparison.OrdinalIgnoreCase)
            || name.Contains("Secret", StringComparison.OrdinalIgnoreCase)
            || name.Contains("Password", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith("Key", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsPublished(string value)
    {
        if (PublishedPrefixes.Any(p => value.Contains(p, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var written)
            && PublishedPrefixes.Any(p => Encoding.UTF8.GetString(buffer, 0, written).StartsWith(p, StringComparison.Ordinal));
    }
}
