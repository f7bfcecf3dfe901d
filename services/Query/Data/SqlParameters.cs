using Npgsql;

namespace DigiUsher.Query.Data;

/// <summary>Positional parameters for SQL composed at run time (never string-concatenated values).</summary>
public sealed class SqlParameters
{
    private readonly List<object> _values = [];

    /// <summary>Adds a value and returns its placeholder (<c>$n</c>).</summary>
    public string Add(object value)
    {
        _values.Add(value);
        return "$" + _values.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public NpgsqlCommand CreateCommand(NpgsqlConnection connection, string sql)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var value in _values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }
}
