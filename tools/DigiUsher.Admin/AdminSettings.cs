using System.Globalization;

namespace DigiUsher.Admin;

/// <summary>
/// Where the stack is. Every setting has an option and an environment variable; the defaults are the
/// local stack of <c>scripts/dev up</c>. On Kubernetes run the tool in the cluster (or through
/// port-forwards) with the Postgres admin login, the broker's management and AMQP URLs, the
/// services' addresses and the admin client secret (internal calls carry the tool's own token).
/// </summary>
public sealed record AdminSettings(
    string Postgres,
    Uri RabbitManagement,
    Uri Amqp,
    string VirtualHost,
    IReadOnlyDictionary<string, Uri> Services,
    string? AdminClientSecret)
{
    public const string DefaultPostgres = "Host=127.0.0.1;Port=5432;Database=digiusher;Username=postgres;Password=postgres";
    public const string DefaultRabbitManagement = "http://guest:guest@127.0.0.1:15672/";
    public const string DefaultAmqp = "amqp://guest:guest@127.0.0.1:5672/";
    public const string DefaultServices = "DataSource=http://127.0.0.1:5101;CurPoller=http://127.0.0.1:5102;CurParser=http://127.0.0.1:5103;ResourceDiscovery=http://127.0.0.1:5104;Query=http://127.0.0.1:5105";

    /// <summary>Each service's Postgres schema (the tables the tool reads).</summary>
    public static readonly IReadOnlyDictionary<string, string> Schemas = new Dictionary<string, string>
    {
        ["DataSource"] = "datasource",
        ["CurPoller"] = "curpoller",
        ["CurParser"] = "curparser",
        ["ResourceDiscovery"] = "discovery",
        ["Query"] = "query",
    };

    /// <summary><c>Name=URL;Name=URL</c>.</summary>
    public static IReadOnlyDictionary<string, Uri> ParseServices(string text)
    {
        var services = new Dictionary<string, Uri>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split('=', 2);
            if (parts.Length != 2 || !Uri.TryCreate(parts[1], UriKind.Absolute, out var url))
            {
                throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "--services: '{0}' is not Name=URL.", pair));
            }

            services[parts[0]] = url;
        }

        return services;
    }

    public Uri ServiceUrl(string name) => Services.TryGetValue(name, out var url)
        ? url
        : throw new ArgumentException($"No address for {name}: add {name}=URL to --services.");
}
