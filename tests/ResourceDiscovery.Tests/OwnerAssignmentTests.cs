using DigiUsher.Contracts;
using DigiUsher.ResourceDiscovery.Discovery;
using DigiUsher.ResourceDiscovery.Owners;

namespace DigiUsher.ResourceDiscovery.Tests;

public class OwnerAssignmentTests
{
    private static readonly Guid Org = Guid.NewGuid();

    [Theory]
    [InlineData("ana@example.com", true)]
    [InlineData("not-an-email", false)]
    [InlineData("ana@localhost", false)]
    public void IsEmail_WhenGivenAnAddress_AcceptsOnlyOnesMailSystemsTake(string value, bool expected) =>
        Assert.Equal(expected, OwnerAssignment.IsEmail(value));

    [Fact]
    public void IsEmail_WhenLongerThanRfc5321Allows_IsFalse()
    {
        Assert.True(OwnerAssignment.IsEmail(new string('a', 64) + "@example.com"));
        Assert.False(OwnerAssignment.IsEmail(new string('a', 65) + "@example.com"));
        Assert.False(OwnerAssignment.IsEmail("a@" + string.Join('.', Enumerable.Repeat(new string('d', 60), 5)) + ".com"));
    }

    [Fact]
    public void Assign_WhenNoRuleAndAnOwnerTagWithAnEmail_GivesTheTaggedEmployee()
    {
        var (email, rule) = OwnerAssignment.Assign(Resource(("created-by", "dana@example.com")), [], "creator@example.com");

        Assert.Equal(("dana@example.com", "default:tag:created-by"), (email, rule));
    }

    [Fact]
    public void Assign_WhenTheOwnerTagIsNotAnEmail_FallsBackToTheCreator()
    {
        var (email, rule) = OwnerAssignment.Assign(Resource(("owner", "team-web")), [], "creator@example.com");

        Assert.Equal(("creator@example.com", OwnerAssignment.CreatorRule), (email, rule));
    }

    [Fact]
    public void Assign_WhenSeveralRulesMatch_TheFirstByPositionWinsOverTheOwnerTag()
    {
        var later = new OwnerRule(Guid.NewGuid(), Org, 1, OwnerRuleMatch.Region, null, "us-east-1", "region@example.com");
        var first = new OwnerRule(Guid.NewGuid(), Org, 0, OwnerRuleMatch.TagEquals, "team", "WEB", "web-lead@example.com");

        var (email, rule) = OwnerAssignment.Assign(Resource(("team", "web"), ("owner", "dana@example.com")), [later, first], "creator@example.com");

        Assert.Equal(("web-lead@example.com", $"rule:{first.RuleId}"), (email, rule));
    }

    [Theory]
    [InlineData(OwnerRuleMatch.TagExists, "cost-center", null, true)]
    [InlineData(OwnerRuleMatch.TagExists, "missing", null, false)]
    [InlineData(OwnerRuleMatch.NamePrefix, null, "WEB-", true)]
    [InlineData(OwnerRuleMatch.NamePrefix, null, "api-", false)]
    [InlineData(OwnerRuleMatch.ResourceType, null, ResourceKinds.Instance, true)]
    [InlineData(OwnerRuleMatch.ResourceType, null, ResourceKinds.Volume, false)]
    [InlineData(OwnerRuleMatch.Region, null, "eu-west-1", false)]
    public void Assign_WhenARuleIsEvaluated_MatchesOnlyWhatItDescribes(OwnerRuleMatch match, string? key, string? value, bool matches)
    {
        var rule = new OwnerRule(Guid.NewGuid(), Org, 0, match, key, value, "rule@example.com");

        var (email, _) = OwnerAssignment.Assign(Resource(("cost-center", "42")), [rule], "creator@example.com");

        Assert.Equal(matches ? "rule@example.com" : "creator@example.com", email);
    }

    [Fact]
    public void AssignAll_WhenAnUntaggedVolumeIsAttachedToAnOwnedInstance_InheritsTheInstancesOwnerSayingSo()
    {
        var instance = Resource(("owner", "dana@example.com"));
        var root = Volume("vol-root", instance.ResourceId);

        var assigned = OwnerAssignment.AssignAll([root, instance], [], "creator@example.com");

        Assert.Equal(("dana@example.com", "default:attached-to:i-0abc"), (assigned[0].OwnerEmail, assigned[0].OwnerRule));
        Assert.Equal(("dana@example.com", "default:tag:owner"), (assigned[1].OwnerEmail, assigned[1].OwnerRule));
    }

    [Fact]
    public void AssignAll_WhenTheAttachedVolumeHasAnOwnerOfItsOwn_KeepsIt()
    {
        var instance = Resource(("owner", "dana@example.com"));
        var tagged = Volume("vol-tagged", instance.ResourceId, ("owner", "erin@example.com"));
        var ruled = Volume("vol-ruled", instance.ResourceId);
        var storageRule = new OwnerRule(Guid.NewGuid(), Org, 0, OwnerRuleMatch.NamePrefix, null, "vol-ruled", "storage@example.com");

        var assigned = OwnerAssignment.AssignAll([instance, tagged, ruled], [storageRule], "creator@example.com");

        Assert.Equal(("erin@example.com", "default:tag:owner"), (assigned[1].OwnerEmail, assigned[1].OwnerRule));
        Assert.Equal(("storage@example.com", $"rule:{storageRule.RuleId}"), (assigned[2].OwnerEmail, assigned[2].OwnerRule));
    }

    [Fact]
    public void AssignAll_WhenTheInstanceHasNoOwnerOfItsOwnOrIsNotInTheRun_LeavesTheVolumeToTheCreator()
    {
        var unowned = Resource() with { ResourceId = "i-0unowned" };
        var ofUnowned = Volume("vol-a", "i-0unowned");
        var ofMissing = Volume("vol-b", "i-0elsewhere");
        var detached = Volume("vol-c", string.Empty);

        var assigned = OwnerAssignment.AssignAll([unowned, ofUnowned, ofMissing, detached], [], "creator@example.com");

        Assert.All(assigned, r => Assert.Equal(("creator@example.com", OwnerAssignment.CreatorRule), (r.OwnerEmail, r.OwnerRule)));
    }

    [Fact]
    public void AssignAll_WhenAMultiAttachVolumeIsAttachedToSeveralInstances_TakesTheFirstOwnedInstanceById()
    {
        var first = Resource(("owner", "first@example.com")) with { ResourceId = "i-0b" };
        var second = Resource(("owner", "second@example.com")) with { ResourceId = "i-0c" };
        var unowned = Resource() with { ResourceId = "i-0a" };
        var shared = Volume("vol-shared", "i-0c,i-0a,i-0b");

        var assigned = OwnerAssignment.AssignAll([shared, second, unowned, first], [], "creator@example.com");

        Assert.Equal(("first@example.com", "default:attached-to:i-0b"), (assigned[0].OwnerEmail, assigned[0].OwnerRule));
    }

    [Fact]
    public void AssignAll_WhenAnUntaggedElasticIpIsAssociatedWithAnOwnedInstance_InheritsTheInstancesOwner_AndAnUnassociatedOneDoesNot()
    {
        var instance = Resource(("owner", "dana@example.com"));
        var associated = Address("eipalloc-0a", instance.ResourceId);
        var tagged = Address("eipalloc-0b", instance.ResourceId, ("owner", "erin@example.com"));
        var loose = Address("eipalloc-0c", string.Empty);

        var assigned = OwnerAssignment.AssignAll([associated, tagged, loose, instance], [], "creator@example.com");

        Assert.Equal(("dana@example.com", "default:attached-to:i-0abc"), (assigned[0].OwnerEmail, assigned[0].OwnerRule));
        Assert.Equal(("erin@example.com", "default:tag:owner"), (assigned[1].OwnerEmail, assigned[1].OwnerRule));
        Assert.Equal(("creator@example.com", OwnerAssignment.CreatorRule), (assigned[2].OwnerEmail, assigned[2].OwnerRule));
    }

    [Fact]
    public void Evaluate_WhenThePolicyIsPublicButRestrictPublicBucketsIsOn_IsPrivate()
    {
        var (isPublic, reason) = BucketExposure.Evaluate(new PublicAccessBlock(false, true, false, true), true, ["AllUsers:READ"]);

        Assert.False(isPublic);
        Assert.Contains("neutralised", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_WhenTheAclGrantsAuthenticatedUsersWithoutABlock_IsPublicNamingTheGrant()
    {
        var (isPublic, reason) = BucketExposure.Evaluate(null, false, ["AuthenticatedUsers:WRITE"]);

        Assert.True(isPublic);
        Assert.Contains("AuthenticatedUsers:WRITE", reason, StringComparison.Ordinal);
    }

    private static DiscoveredResource Resource(params (string Key, string Value)[] tags) => new(
        "i-0abc", ResourceKinds.Instance, "web-1", "us-east-1", "running", null,
        tags.ToDictionary(t => t.Key, t => t.Value), new Dictionary<string, string>(), null, null, null);

    private static DiscoveredResource Address(string allocationId, string instanceId, params (string Key, string Value)[] tags) => new(
        allocationId, ResourceKinds.ElasticIp, null, "us-east-1", instanceId.Length > 0 ? "associated" : "unassociated", null,
        tags.ToDictionary(t => t.Key, t => t.Value), new Dictionary<string, string> { ["instanceId"] = instanceId }, null, null, null);

    private static DiscoveredResource Volume(string volumeId, string attachedTo, params (string Key, string Value)[] tags) => new(
        volumeId, ResourceKinds.Volume, null, "us-east-1", attachedTo.Length > 0 ? "in-use" : "available", null,
        tags.ToDictionary(t => t.Key, t => t.Value),
        new Dictionary<string, string> { ["attached"] = attachedTo.Length > 0 ? "true" : "false", ["attachedTo"] = attachedTo }, null, null, null);
}
