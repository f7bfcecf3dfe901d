using System.Text.RegularExpressions;

namespace DigiUsher.Deployment.Tests;

/// <summary>
/// A Dockerfile read into its stages and instructions (continuation lines joined, comments dropped),
/// with the build arguments given substituted where an instruction writes <c>${NAME}</c>.
/// </summary>
internal sealed partial class Dockerfile
{
    private Dockerfile(IReadOnlyList<Stage> stages) => Stages = stages;

    public IReadOnlyList<Stage> Stages { get; }

    public Stage this[string name] => Stages.Single(s => s.Name == name);

    public static Dockerfile Load(string path, IReadOnlyDictionary<string, string>? buildArguments = null)
    {
        var stages = new List<Stage>();
        var logical = string.Empty;
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.TrimEnd();
            if (logical.Length == 0 && (line.TrimStart().StartsWith('#') || line.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                logical += line[..^1] + " ";
                continue;
            }

            logical += line;
            foreach (var (name, value) in buildArguments ?? new Dictionary<string, string>())
            {
                logical = logical.Replace("${" + name + "}", value, StringComparison.Ordinal);
            }

            var match = InstructionPattern().Match(logical.Trim());
            logical = string.Empty;
            var (keyword, arguments) = (match.Groups[1].Value.ToUpperInvariant(), match.Groups[2].Value.Trim());
            if (keyword == "FROM")
            {
                var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                stages.Add(new Stage(parts[0], parts.Length == 3 ? parts[2] : $"stage{stages.Count}", []));
            }
            else if (stages.Count > 0)
            {
                stages[^1].Instructions.Add(new Instruction(keyword, arguments));
            }
        }

        return new Dockerfile(stages);
    }

    [GeneratedRegex(@"^(\w+)\s+(.*)$", RegexOptions.Singleline)]
    private static partial Regex InstructionPattern();

    public sealed record Stage(string Image, string Name, List<Instruction> Instructions)
    {
        public IEnumerable<string> Arguments(string keyword) => Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments);
    }

    public sealed record Instruction(string Keyword, string Arguments);
}
