using Labbook.Executors;
using Labbook.Executors.Slurm;

namespace Labbook.Tests.Slurm;

/// <summary>Parsers and the state mapping, on output captured from Slurm 22.05 (Debian 12) by scripts/start-local-slurm.sh.</summary>
public class SlurmOutputTests
{
    // sacct -n -X -P -j 1,2,3,4,5 -o JobID,State,ExitCode,Reason,Submit (5 was killed by signal 9 from inside;
    // the lines without a submit time are as an older Labbook asked for them)
    private const string Sacct = """
        1|COMPLETED|0:0|None|2026-11-28T06:59:22
        2|FAILED|3:0|None|Unknown
        4|CANCELLED by 0|0:0|None
        5|FAILED|0:9|None
        3_0|COMPLETED|0:0|None
        3_1|COMPLETED|0:0|JobArrayTaskLimit
        3_[2-4%1]|PENDING|0:0|JobArrayTaskLimit
        15|TIMEOUT|0:0|None
        """;

    // scontrol show job -o 2 and one task of array job 3 (shortened: the real lines carry ~60 fields)
    private const string Scontrol = """
        JobId=2 JobName=wrap UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901758 Nice=0 Account=root QOS=normal JobState=FAILED Reason=NonZeroExitCode Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=3:0 RunTime=00:00:00 TimeLimit=UNLIMITED
        JobId=7 ArrayJobId=3 ArrayTaskId=1 ArrayTaskThrottle=1 JobName=wrap UserId=root(0) JobState=COMPLETED Reason=None Dependency=(null) ExitCode=0:0 RunTime=00:00:01 SubmitTime=2026-11-28T06:59:22 EligibleTime=2026-11-28T06:59:22
        JobId=23 JobName=trap.sh JobState=COMPLETING Reason=None ExitCode=0:0
        """;

    // squeue -t all -h -j 2,3,4 -O JobArrayID:|,State:|,exit_code:| (exit_code is the raw wait status)
    private const string Squeue = """
        3_2|COMPLETED|0|
        2|FAILED|768|
        4|CANCELLED|15|
        """;

    [Fact]
    public void Sacct_lines_give_ids_states_exit_codes_and_expand_pending_array_tasks()
    {
        var states = SlurmOutput.ParseSacct(Sacct + "\nsacct: warning: something on stderr\n").ToDictionary(s => s.JobId);
        Assert.Equal(SlurmPhase.Completed, states["1"].Phase);
        Assert.Equal(3, states["2"].ExitCode);
        Assert.Equal("CANCELLED", states["4"].Word);
        Assert.Equal(SlurmPhase.Cancelled, states["4"].Phase);
        Assert.Equal(9, states["5"].Signal);
        Assert.Equal("JobArrayTaskLimit", states["3_1"].Reason);
        Assert.Equal(SlurmPhase.Waiting, states["3_4"].Phase);
        Assert.True(states.ContainsKey("3_2") && states.ContainsKey("3_3"));
        Assert.Equal(SlurmPhase.Timeout, states["15"].Phase);
        Assert.Equal("2026-11-28T06:59:22", states["1"].Submitted);
        Assert.Null(states["2"].Submitted);
        Assert.Null(states["4"].Submitted);
    }

    [Fact]
    public void Scontrol_lines_name_array_tasks_by_array_id()
    {
        var states = SlurmOutput.ParseScontrol(Scontrol).ToDictionary(s => s.JobId);
        Assert.Equal(3, states["2"].ExitCode);
        Assert.Equal("NonZeroExitCode", states["2"].Reason);
        Assert.Equal(SlurmPhase.Completed, states["3_1"].Phase);
        Assert.Equal(SlurmPhase.Running, states["23"].Phase);
        Assert.Equal("2026-11-28T06:59:22", states["3_1"].Submitted);
        Assert.Null(states["2"].Submitted);
    }

    [Fact]
    public void Squeue_exit_codes_are_wait_statuses()
    {
        var states = SlurmOutput.ParseSqueue(Squeue).ToDictionary(s => s.JobId);
        Assert.Equal(3, states["2"].ExitCode);
        Assert.Equal(15, states["4"].Signal);
        Assert.Equal(SlurmPhase.Completed, states["3_2"].Phase);
    }

    [Fact]
    public void Sbatch_parsable_and_config_values()
    {
        Assert.Equal("42", SlurmOutput.ParseSbatch("42\n"));
        Assert.Equal("42", SlurmOutput.ParseSbatch("sbatch: warning: x\n42;cluster\n"));
        Assert.Null(SlurmOutput.ParseSbatch("sbatch: error: Batch job submission failed: Invalid job array specification\n"));
        const string config = "MaxArraySize            = 4\nAccountingStorageType   = accounting_storage/slurmdbd\n";
        Assert.Equal("4", SlurmOutput.ConfigValue(config, "MaxArraySize"));
        Assert.Equal("accounting_storage/slurmdbd", SlurmOutput.ConfigValue(config, "AccountingStorageType"));
        Assert.Equal(["7_1", "7_4", "7_5"], SlurmOutput.ExpandArrayId("7_[1,4-5]"));
    }

    [Theory]
    [InlineData("PENDING", null)]
    [InlineData("RUNNING", null)]
    [InlineData("COMPLETING", null)]
    [InlineData("REQUEUED", null)]
    [InlineData("COMPLETED", AttemptEnd.Done)]
    [InlineData("FAILED", AttemptEnd.Failed)]
    [InlineData("CANCELLED by 1000", AttemptEnd.Failed)]
    [InlineData("TIMEOUT", AttemptEnd.Failed)]
    [InlineData("OUT_OF_MEMORY", AttemptEnd.Failed)]
    [InlineData("PREEMPTED", AttemptEnd.Interrupted)]
    [InlineData("NODE_FAIL", AttemptEnd.Interrupted)]
    [InlineData("BOOT_FAIL", AttemptEnd.Interrupted)]
    [InlineData("DEADLINE", AttemptEnd.Failed)]
    public void States_map_on_their_first_word(string state, AttemptEnd? end)
    {
        var outcome = SlurmStates.Outcome(new SlurmJobState("9", state, 0, null, null));
        Assert.Equal(end, outcome?.End);
    }

    [Fact]
    public void Reasons_say_what_Slurm_did()
    {
        Assert.Contains("TIMEOUT", SlurmStates.Outcome(new SlurmJobState("9", "TIMEOUT", 0, null, null))!.Value.Reason, StringComparison.Ordinal);
        Assert.Contains("exit code 3", SlurmStates.Outcome(new SlurmJobState("9", "FAILED", 3, null, null))!.Value.Reason, StringComparison.Ordinal);
        Assert.Equal("killed by Slurm: TIMEOUT (time limit)", SlurmStates.KillCause(new SlurmJobState("9", "TIMEOUT", 0, 15, null)));
        Assert.Equal("killed by Slurm: PREEMPTED", SlurmStates.KillCause(new SlurmJobState("9", "PREEMPTED", 0, 15, null)));
        Assert.Equal("killed by Slurm: requeued (REQUEUED; the job runs again)", SlurmStates.KillCause(new SlurmJobState("9", "REQUEUED", 0, 15, null)));
    }
}
