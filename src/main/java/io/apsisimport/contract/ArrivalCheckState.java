package io.apsisimport.contract;

/**
 * "Did the file arrive?"'s state ({@code $.arrival}): since when the upload's outcome is unknown,
 * and how many checks were made for it (0 before the first).
 */
public record ArrivalCheckState(String since, Integer checks) {}
