using Dapper;
using DigiUsher.Testing;
using Npgsql;

namespace DigiUsher.Foundation.Tests;

public class ServiceStartupTests
{
    public static TheoryData<string> Services => new(TestDatabase.Schemas.Keys);

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Migrate_ThenStart_AnswersLiveAndReady(string service)
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var vhost = await TestVirtualHost.CreateAsync();
        var environment = ServiceProcess.EnvironmentFor(service, database, vhost);

        await ServiceProcess.MigrateAsync(service, environment);
        await ServiceProcess.MigrateAsync(service, environment); // a second run is a no-op
        await using var process = await ServiceProcess.StartAsync(service, environment);
        using var http = process.CreateClient();

        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        await using var connection = new NpgsqlConnection(database.ConnectionStringFor(service));
        var migrations = await connection.ExecuteScalarAsync<int>($"select count(*) from {TestDatabase.Schemas[service]}.schema_migrations");
        Assert.True(migrations >= 1);
    }

    [Fact]
    public async Task ServiceRole_WhenReadingAnotherServicesSchema_IsDenied()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var vhost = await TestVirtualHost.CreateAsync();
        foreach (var service in TestDatabase.Schemas.Keys)
        {
            await ServiceProcess.MigrateAsync(service, ServiceProcess.EnvironmentFor(service, database, vhost));
        }

        foreach (var (reader, _) in TestDatabase.Schemas)
        {
            await using var connection = new NpgsqlConnection(database.ConnectionStringFor(reader));
            await connection.OpenAsync();
            foreach (var (owner, schema) in TestDatabase.Schemas.Where(s => s.Key != reader))
            {
                var ex = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteScalarAsync<long>($"select count(*) from {schema}.schema_migrations"));
                Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
            }

            Assert.True(await connection.ExecuteScalarAsync<long>($"select count(*) from {TestDatabase.Schemas[reader]}.schema_migrations") >= 1);
        }
    }
}
