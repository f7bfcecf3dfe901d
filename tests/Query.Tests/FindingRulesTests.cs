using DigiUsher.Contracts;
using DigiUsher.Query.Findings;
using DigiUsher.Query.Resources;

namespace DigiUsher.Query.Tests;

public class FindingRulesTests
{
    private static readonly DateTimeOffset Now = new(2024, 6, 15, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = DateOnly.FromDateTime(Now.UtcDateTime);
    private static readonly Guid DataSource = Guid.NewGuid();
    private static readonly FindingRules Rules = new(new FindingsOptions(), Now);

    [Fact]
    public void UnattachedVolume_WhenAvailable_IsWasteWithItsSizeAndAgeSinceCreation()
    {
        var volume = Resource("vol-1", ResourceKinds.Volume, "available", new() { ["size"] = "500" }, created: Now.AddDays(-30));

        var finding = FindingRules.UnattachedVolume(volume)!;

        Assert.Equal(FindingTypes.UnattachedVolume, finding.Type);
        Assert.Contains("(500 GiB)", finding.Reason);
        Assert.Equal(Now.AddDays(-30), finding.Since);
        Assert.Null(FindingRules.UnattachedVolume(volume with { State = "in-use" }));
    }

    [Fact]
    public void UnassociatedElasticIp_WhenNoAssociation_IsWasteElseNot()
    {
        Assert.NotNull(FindingRules.UnassociatedElasticIp(Resource("eipalloc-1", ResourceKinds.ElasticIp)));
        Assert.Null(FindingRules.UnassociatedElasticIp(Resource("eipalloc-2", ResourceKinds.ElasticIp, attributes: new() { ["associationId"] = "eipassoc-1" })));
    }

    [Fact]
    public void StoppedInstanceWithStorage_WhenStoppedWithVolumesOfItsDataSource_NamesThemAsRelated()
    {
        var instance = Resource("i-1", ResourceKinds.Instance, "stopped");
        List<ResourceFacts> volumes =
        [
            Resource("vol-b", ResourceKinds.Volume, "in-use", new() { ["instanceId"] = "i-1" }),
            Resource("vol-a", ResourceKinds.Volume, "in-use", new() { ["attachments"] = "i-1:/dev/sda1" }),
            Resource("vol-other", ResourceKinds.Volume, "in-use", new() { ["instanceId"] = "i-1" }) with { DataSourceId = Guid.NewGuid() },
        ];

        var finding = FindingRules.StoppedInstanceWithStorage(instance, volumes)!;

        Assert.Equal(["vol-a", "vol-b"], finding.Related);
        Assert.Null(FindingRules.StoppedInstanceWithStorage(instance, []));
        Assert.Null(FindingRules.StoppedInstanceWithStorage(instance with { State = "running" }, volumes));
    }

    [Fact]
    public void IdleInstance_WhenRunningWithEnoughLowCpuDays_SaysTheThresholdDaysAndPeak()
    {
        var instance = Resource("i-1", ResourceKinds.Instance, "running", cpu: Cpu(10, average: 1.25));

        var finding = Rules.IdleInstance(instance)!;

        Assert.Equal(
            "Daily average CPU stayed below 5% on all 10 days with data in the last 14 days (highest daily average 1.25%).",
            finding.Reason);
        Assert.Null(Rules.IdleInstance(instance with { State = "stopped" }));
    }

    [Fact]
    public void IdleRule_WhenTooFewDaysOrOneBusyDayOrOldData_IsNotIdle()
    {
        var rule = IdleRule.From(new FindingsOptions(), Today);

        Assert.Equal(new IdleVerdict(true, 7, 1), rule.Judge(Cpu(7, average: 1)));
        Assert.Equal(new IdleVerdict(false, 6, 1), rule.Judge(Cpu(6, average: 1)));
        Assert.False(rule.Judge([.. Cpu(9, average: 1), new DailyCpu(Today.AddDays(-1), 5, 90)]).IsIdle);
        Assert.Equal(new IdleVerdict(false, 0, 0), rule.Judge([.. Cpu(10, average: 1).Select(c => c with { Day = c.Day.AddDays(-30) })]));
    }

    [Fact]
    public void SnapshotOfDeletedVolume_WhenItsVolumeIsGone_IsWasteRelatedToTheVolume()
    {
        var snapshot = Resource("snap-1", ResourceKinds.Snapshot, "completed", new() { ["volumeId"] = "vol-gone" });

        Assert.Equal(["vol-gone"], FindingRules.SnapshotOfDeletedVolume(snapshot, new HashSet<(Guid, string)>())!.Related);
        Assert.Null(FindingRules.SnapshotOfDeletedVolume(snapshot, new HashSet<(Guid, string)> { (DataSource, "vol-gone") }));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("PUBLIC", true)]
    [InlineData("1", true)]
    [InlineData("false", false)]
    public void PublicBucket_WhenThePublicAttributeSaysYes_IsARisk(string value, bool expected) =>
        Assert.Equal(expected, FindingRules.PublicBucket(Resource("b", ResourceKinds.Bucket, attributes: new() { ["isPublic"] = value })) is not null);

    [Fact]
    public void UnusedAccessKey_WhenActiveAndUnusedPastTheThreshold_SaysSinceWhen()
    {
        var key = Resource("AKIA1", ResourceKinds.AccessKey, "Active", new() { ["lastUsed"] = Now.AddDays(-100).ToString("O") });

        Assert.Equal($"Active access key has not been used for 100 days (last used {Now.AddDays(-100):yyyy-MM-dd}).", Rules.UnusedAccessKey(key)!.Reason);
        Assert.Null(Rules.UnusedAccessKey(key with { State = "Inactive" }));
        Assert.Null(Rules.UnusedAccessKey(key with { Attributes = new Dictionary<string, string> { ["lastUsed"] = "unknown" } }));
        Assert.Equal(
            "Active access key has never been used since it was created 120 days ago.",
            Rules.UnusedAccessKey(key with { Attributes = new Dictionary<string, string>(), CreatedAt = Now.AddDays(-120) })!.Reason);
    }

    [Fact]
    public void InactiveConsoleUser_WhenAConsoleUserHasNotSignedIn_SaysSoButNotForUsersWithoutConsole()
    {
        var user = Resource("arn:aws:iam::1:user/a", ResourceKinds.IamUser, attributes: new() { ["passwordLastUsed"] = Now.AddDays(-91).ToString("O") });

        Assert.StartsWith("Console user has not been signed in for 91 days", Rules.InactiveConsoleUser(user)!.Reason);
        Assert.Null(Rules.InactiveConsoleUser(user with { Attributes = new Dictionary<string, string> { ["consoleAccess"] = "false" } }));
    }

    [Fact]
    public void Find_WhenGivenAnInventory_JudgesEachResourceByTheRuleOfItsKind()
    {
        List<ResourceFacts> inventory =
        [
            Resource("i-1", ResourceKinds.Instance, "stopped"),
            Resource("vol-1", ResourceKinds.Volume, "in-use", new() { ["instanceId"] = "i-1" }),
            Resource("snap-1", ResourceKinds.Snapshot, "completed", new() { ["volumeId"] = "vol-1" }),
            Resource("i-2", ResourceKinds.Instance, "running", cpu: Cpu(8, average: 0.5)),
        ];

        var found = Rules.Find(inventory);

        Assert.Equal(
            [(FindingTypes.StoppedInstanceWithStorage, "i-1"), (FindingTypes.IdleInstance, "i-2")],
            found.Select(f => (f.Type, f.Resource.ResourceId)));
    }

    private static List<DailyCpu> Cpu(int days, double average) =>
        [.. Enumerable.Range(1, days).Select(d => new DailyCpu(Today.AddDays(-d), average, average * 2))];

    private static ResourceFacts Resource(
        string id, string kind, string? state = null, Dictionary<string, string>? attributes = null, DateTimeOffset? created = null, List<DailyCpu>? cpu = null) =>
        new(DataSource, id, kind, null, "123456789012", "us-east-1", state, created, Now.AddDays(-200), attributes ?? [], null, cpu ?? []);
}
