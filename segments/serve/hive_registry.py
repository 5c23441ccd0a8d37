"""A workaround for the Spark 4 Thrift server: Hive's function registry, which cannot load."""

from __future__ import annotations

from pyspark.sql import SparkSession


def skip_hive_function_registry(spark: SparkSession) -> None:
    """Mark Hive's own function registry as loaded, so that nothing tries to load it.

    Spark SQL has its own functions; Hive's registry cannot even load since Spark 4 dropped the
    hive-llap-common jar (SPARK-51029). The Thrift server still asks Hive for it when it closes a
    session on a thread that ran a metastore call (a dbt statement, a BI tool's table listing), and
    the close then fails with NoClassDefFoundError: LlapSigner$Signable. 2 is Hive's REG_FUNCS_DONE.
    """
    jvm = spark._jvm
    flag = jvm.java.lang.Class.forName("org.apache.hadoop.hive.ql.metadata.Hive").getDeclaredField(
        "didRegisterAllFuncs"
    )
    flag.setAccessible(True)
    # flag.get() would reach Python as a plain int (py4j converts Numbers), so the AtomicInteger's
    # set(2) is composed and called on the JVM side with method handles.
    handles, method_type = jvm.java.lang.invoke.MethodHandles, jvm.java.lang.invoke.MethodType
    atomic = jvm.java.lang.Class.forName("java.util.concurrent.atomic.AtomicInteger")
    set_value = handles.publicLookup().findVirtual(
        atomic, "set", method_type.methodType(jvm.java.lang.Void.TYPE, jvm.java.lang.Integer.TYPE)
    )
    done = spark.sparkContext._gateway.new_array(jvm.java.lang.Object, 1)
    done[0] = 2
    mark_done = handles.filterReturnValue(
        handles.publicLookup().unreflectGetter(flag), handles.insertArguments(set_value, 1, done)
    )
    mark_done.invokeWithArguments(jvm.java.util.ArrayList())
