using System.Xml.Linq;
using Dapper;
using DigiUsher.Console.Data;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace DigiUsher.Console.Session;

/// <summary>
/// Data-protection keys in <c>console.data_protection_keys</c>, so that every replica decrypts the
/// cookies and sessions the others wrote.
/// </summary>
public sealed class PostgresKeyRepository(NpgsqlDataSource dataSource) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = dataSource.OpenConnection();
        return [.. connection.Query<string>($"select xml from {ConsoleDb.Schema}.data_protection_keys order by created_at").Select(XElement.Parse)];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = dataSource.OpenConnection();
        connection.Execute(
            $"insert into {ConsoleDb.Schema}.data_protection_keys (name, xml) values (@friendlyName, @xml) on conflict (name) do nothing",
            new { friendlyName, xml = element.ToString(SaveOptions.DisableFormatting) });
    }
}
