using System.Text.RegularExpressions;
using DigiUsher.Cur.Layout;
using DigiUsher.Testing;
using Mono.Cecil;
using NetArchTest.Rules;

namespace DigiUsher.Foundation.Tests;

/// <summary>The dependency rules of the code, checked on the compiled types (not on project files).</summary>
public class LayeringTests
{
    /// <summary>Every service under <c>services/</c>, whatever their number.</summary>
    public static TheoryData<string> Services =>
        new(Directory.GetDirectories(Path.Combine(TestEnvironment.RepositoryRoot, "services")).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal));

    [Fact]
    public void Cur_WhenCompiled_UsesNeitherAwsNorServiceDefaults()
    {
        var result = Types.InAssembly(typeof(CurKeys).Assembly).ShouldNot().HaveDependencyOnAny("DigiUsher.Aws", "DigiUsher.ServiceDefaults").GetResult();

        Assert.True(result.IsSuccessful, Describe(result));
    }

    [Fact]
    public void Contracts_WhenCompiled_DependOnNothingOfOurs()
    {
        var ours = OurAssemblyNames().Where(n => n != "DigiUsher.Contracts").ToArray();

        var result = Types.InAssembly(typeof(Contracts.IIntegrationMessage).Assembly).ShouldNot().HaveDependencyOnAny(ours).GetResult();

        Assert.NotEmpty(ours);
        Assert.True(result.IsSuccessful, Describe(result));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Folders_InAService_DoNotImportEachOtherInCircles(string service)
    {
        var path = ServiceProcess.DllPath(service);
        var types = Types.FromFile(path);
        var root = $"DigiUsher.{service}";
        var folders = Folders(path, root);

        var cycles = FolderGraph.Cycles(folders, (from, to) => FirstDependent(types, $"{root}.{from}", $"{root}.{to}"));

        Assert.True(folders.Count > 1, $"{service} has no folders to check");
        Assert.True(cycles.Count == 0, $"{service}'s folders import each other in circles: " + string.Join("; ", cycles));
    }

    /// <summary>The service's top-level folders: the namespaces one level below its root.</summary>
    private static IReadOnlyList<string> Folders(string assemblyPath, string root)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        return [.. module.Types
            .Select(t => t.Namespace)
            .Where(n => n.StartsWith(root + ".", StringComparison.Ordinal))
            .Select(n => n[(root.Length + 1)..].Split('.')[0])
            .Distinct()
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>A type of namespace <paramref name="from"/> (or below) that uses namespace <paramref name="to"/>, if any.</summary>
    private static string? FirstDependent(Types types, string from, string to) =>
        types.That().ResideInNamespaceMatching($"^{Regex.Escape(from)}(\\.|$)")
            .ShouldNot().HaveDependencyOn(to)
            .GetResult()
            .FailingTypeNames?.FirstOrDefault();

    private static IEnumerable<string> OurAssemblyNames() =>
        new[] { "libs", "services" }
            .SelectMany(d => Directory.GetFiles(Path.Combine(TestEnvironment.RepositoryRoot, d), "*.csproj", SearchOption.AllDirectories))
            .Select(p => Path.GetFileNameWithoutExtension(p));

    private static string Describe(TestResult result) => "offending types: " + string.Join(", ", result.FailingTypeNames ?? []);
}

/// <summary>Cycles in a graph of folders (strongly connected components of more than one folder, Tarjan's algorithm).</summary>
public static class FolderGraph
{
    /// <param name="folders">The nodes.</param>
    /// <param name="edge">A witness (a type name) when <c>from</c> uses <c>to</c>, else null.</param>
    /// <returns>Each cycle as <c>A -> B (Type) -> ...</c>.</returns>
    public static IReadOnlyList<string> Cycles(IReadOnlyList<string> folders, Func<string, string, string?> edge)
    {
        var witness = new Dictionary<(string, string), string>();
        foreach (var from in folders)
        {
            foreach (var to in folders.Where(t => t != from))
            {
                if (edge(from, to) is { } type)
                {
                    witness[(from, to)] = type;
                }
            }
        }

        return [.. StronglyConnected(folders, witness.Keys.ToHashSet())
            .Where(c => c.Count > 1)
            .Select(c => string.Join(", ", witness.Where(w => c.Contains(w.Key.Item1) && c.Contains(w.Key.Item2)).Select(w => $"{w.Key.Item1} -> {w.Key.Item2} ({w.Value})")))];
    }

    private static List<List<string>> StronglyConnected(IReadOnlyList<string> nodes, HashSet<(string From, string To)> edges)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var components = new List<List<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            foreach (var next in edges.Where(e => e.From == node).Select(e => e.To))
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (stack.Contains(next))
                {
                    low[node] = Math.Min(low[node], index[next]);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    component.Add(member);
                }
                while (member != node);
                components.Add(component);
            }
        }

        foreach (var node in nodes.Where(n => !index.ContainsKey(n)))
        {
            Visit(node);
        }

        return components;
    }
}

public class FolderGraphTests
{
    [Fact]
    public void Cycles_WhenTwoFoldersUseEachOther_NamesBothDirections()
    {
        var uses = new HashSet<(string, string)> { ("Apis", "Costs"), ("Costs", "Apis"), ("Apis", "Data"), ("Costs", "Data") };

        var cycle = Assert.Single(FolderGraph.Cycles(["Apis", "Costs", "Data"], (a, b) => uses.Contains((a, b)) ? $"{a}.T" : null));

        Assert.Contains("Apis -> Costs (Apis.T)", cycle, StringComparison.Ordinal);
        Assert.Contains("Costs -> Apis (Costs.T)", cycle, StringComparison.Ordinal);
        Assert.DoesNotContain("Data", cycle, StringComparison.Ordinal);
    }

    [Fact]
    public void Cycles_WhenTheCircleRunsThroughThreeFolders_FindsIt()
    {
        var uses = new HashSet<(string, string)> { ("A", "B"), ("B", "C"), ("C", "A") };

        Assert.Single(FolderGraph.Cycles(["A", "B", "C"], (a, b) => uses.Contains((a, b)) ? a : null));
    }

    [Fact]
    public void Cycles_WhenDependenciesOnlyGoOneWay_FindsNone() =>
        Assert.Empty(FolderGraph.Cycles(["A", "B", "C"], (a, b) => string.CompareOrdinal(a, b) < 0 ? a : null));
}
