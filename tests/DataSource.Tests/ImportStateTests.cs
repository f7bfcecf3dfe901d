using DigiUsher.DataSource.Data;
using DigiUsher.Testing;

namespace DigiUsher.DataSource.Tests;

public class ImportStateTests
{
    [Fact]
    public async Task StateColumn_WhenMigrated_AllowsExactlyTheImportStates()
    {
        await using var database = await StatusConstraints.MigrateAsync("DataSource", typeof(Program).Assembly);

        await database.AssertMirrorsAsync<ImportState>("import_status", "state");
    }
}
