using Microsoft.Extensions.Options;
using Npgsql;

namespace DigiUsher.Query.Data;

/// <summary>
/// The connections API requests read with: the service's database with a statement timeout
/// (<see cref="ApiOptions.StatementTimeoutMs"/>) set by Postgres on every statement of the session, so
/// no request can run a statement longer, whatever reader it goes through. Event consumers (the cost
/// loads, the purges) use the plain data source: their statements are long by design.
/// </summary>
public sealed class ApiDataSource : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    public ApiDataSource(IConfiguration configuration, IOptions<ApiOptions> options)
    {
        // The configured string, not NpgsqlDataSource.ConnectionString: that one has the password removed.
        var builder = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Postgres"))
        {
            Options = $"-c statement_timeout={options.Value.StatementTimeoutMs}",
            ApplicationName = "digiusher-query-api",
        };
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken) => _dataSource.OpenConnectionAsync(cancellationToken);

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
