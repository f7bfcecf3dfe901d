using System.Text;
using DigiUsher.ServiceDefaults.Data;
using Xunit;

namespace DigiUsher.Testing;

/// <summary>
/// The transition tables of the README's state machines are written from the code's
/// <see cref="StateMachine{TState, TEvent}"/>s: each sits between
/// <c>&lt;!-- transitions: NAME --&gt;</c> and <c>&lt;!-- /transitions --&gt;</c>, and a test per
/// machine compares it with <see cref="Table"/>, so the documentation cannot drift from the code.
/// </summary>
public static class LifecycleDocument
{
    public const string Path = "README.md";

    /// <summary>
    /// The machine as a Markdown table, one row per event and target: the event, the column texts it
    /// moves a row from (in declaration order), the column text it moves it to.
    /// </summary>
    public static string Table<TState, TEvent>(StateMachine<TState, TEvent> machine)
        where TState : struct, Enum
        where TEvent : struct, Enum
    {
        var text = new StringBuilder("| Event | From | To |\n|---|---|---|\n");
        foreach (var row in machine.Transitions.GroupBy(t => (t.On, t.To)))
        {
            text.Append($"| {row.Key.On} | {string.Join(", ", row.Select(t => $"`{StatusText.Of(t.From)}`"))} | `{StatusText.Of(row.Key.To)}` |\n");
        }

        return text.ToString();
    }

    /// <summary>Asserts the README's table named <paramref name="name"/> is <see cref="Table"/> of <paramref name="machine"/>.</summary>
    public static void AssertDocuments<TState, TEvent>(string name, StateMachine<TState, TEvent> machine)
        where TState : struct, Enum
        where TEvent : struct, Enum
    {
        var readme = File.ReadAllText(System.IO.Path.Combine(TestEnvironment.RepositoryRoot, Path)).ReplaceLineEndings("\n");
        var start = $"<!-- transitions: {name} -->\n";
        const string End = "<!-- /transitions -->";
        var from = readme.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"{Path} has no '{start.TrimEnd()}' block.");
        from += start.Length;
        var to = readme.IndexOf(End, from, StringComparison.Ordinal);
        Assert.True(to >= 0, $"{Path}'s '{name}' block has no end ('{End}').");

        var expected = Table(machine);
        Assert.True(
            readme[from..to] == expected,
            $"{Path}'s '{name}' transitions differ from the code; replace the block with:\n{expected}");
    }
}
