namespace DigiUsher.Testing;

/// <summary>Where the local infrastructure started by <c>scripts/dev infra up</c> answers.</summary>
public static class TestEnvironment
{
    public static string PostgresAdmin =>
        Environment.GetEnvironmentVariable("DIGIUSHER_PG_ADMIN")
        ?? "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres;Database=postgres";

    public static string RabbitHost => Environment.GetEnvironmentVariable("DIGIUSHER_RABBIT_HOST") ?? "127.0.0.1";

    public static int RabbitPort => int.Parse(Environment.GetEnvironmentVariable("DIGIUSHER_RABBIT_PORT") ?? "5672", System.Globalization.CultureInfo.InvariantCulture);

    public static Uri RabbitManagement => new(Environment.GetEnvironmentVariable("DIGIUSHER_RABBIT_MGMT") ?? "http://127.0.0.1:15672/");

    /// <summary>The shared moto at :5000; tests that need a clean account start their own with <see cref="MotoServer"/>.</summary>
    public static string SharedMotoUrl => Environment.GetEnvironmentVariable("DIGIUSHER_MOTO_URL") ?? "http://127.0.0.1:5000";

    /// <summary>The repository root (where DigiUsher.sln is).</summary>
    public static string RepositoryRoot
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("DIGIUSHER_ROOT");
            if (!string.IsNullOrEmpty(fromEnv))
            {
                return fromEnv;
            }

            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DigiUsher.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("DigiUsher.sln not found above the test binaries.");
        }
    }

    /// <summary>The build configuration the tests were built with (services are run from the same).</summary>
    public static string Configuration =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    /// <summary>
    /// The HMAC key every service shared before tokens were signed by DataSource alone (ES256): kept
    /// only to forge tokens with it in attack tests.
    /// </summary>
    public const string FormerSharedJwtKey = "test-only-signing-key-0123456789abcdef0123456789abcdef";

    /// <summary>The client secret of one of DigiUsher's own services (<c>Auth:ServiceIdentities:{id}:Secret</c>).</summary>
    public static string ServiceSecret(string clientId) => $"test-only-{clientId}-service-secret-0123456789";

    public const string TransportKey = "dGVzdC1vbmx5LXRyYW5zcG9ydC1rZXktMDEyMzQ1Njc=";

    public const string EncryptionKey = "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTAxMjM0NTY=";
}
