package io.edgegate.deploy.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleException;

class FrameworkStepsTest {
    @Test
    void describesAnExceptionAndItsCausesOnOneLineEachMessageOnce() {
        BundleException e = new BundleException("Activator start error in bundle com.example.hello [42].",
                BundleException.ACTIVATOR_ERROR,
                new ClassNotFoundException("com.example.Missing not found by com.example.hello [42]"));
        assertEquals("Activator start error in bundle com.example.hello [42].: ClassNotFoundException "
                + "com.example.Missing not found by com.example.hello [42]", FrameworkSteps.describe(e));

        RuntimeException wrapper = new RuntimeException(new IllegalStateException("boom\n  on two lines"));
        assertEquals("java.lang.IllegalStateException: boom on two lines", FrameworkSteps.describe(wrapper));

        assertEquals("NullPointerException", FrameworkSteps.describe(new NullPointerException()));
    }
}
