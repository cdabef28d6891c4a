; ModuleID = 'crc.c'
source_filename = "crc.c"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

@.str = private unnamed_addr constant [20 x i8] c"crc n=%zu crc=%08x\0A\00", align 1
@table = internal global [256 x i32] zeroinitializer, align 16

; Function Attrs: noinline nounwind uwtable
define dso_local i32 @main(i32 noundef %0, ptr noundef %1) #0 {
  %3 = alloca i32, align 4
  %4 = alloca i32, align 4
  %5 = alloca ptr, align 8
  %6 = alloca i64, align 8
  %7 = alloca ptr, align 8
  %8 = alloca i32, align 4
  %9 = alloca i64, align 8
  %10 = alloca i32, align 4
  %11 = alloca i32, align 4
  store i32 0, ptr %3, align 4
  store i32 %0, ptr %4, align 4
  store ptr %1, ptr %5, align 8
  %12 = load i32, ptr %4, align 4
  %13 = icmp sgt i32 %12, 1
  br i1 %13, label %14, label %19

14:                                               ; preds = %2
  %15 = load ptr, ptr %5, align 8
  %16 = getelementptr inbounds ptr, ptr %15, i64 1
  %17 = load ptr, ptr %16, align 8
  %18 = call i64 @atol(ptr noundef %17) #5
  br label %20

19:                                               ; preds = %2
  br label %20

20:                                               ; preds = %19, %14
  %21 = phi i64 [ %18, %14 ], [ 4000000, %19 ]
  store i64 %21, ptr %6, align 8
  %22 = load i64, ptr %6, align 8
  %23 = icmp ne i64 %22, 0
  br i1 %23, label %24, label %26

24:                                               ; preds = %20
  %25 = load i64, ptr %6, align 8
  br label %27

26:                                               ; preds = %20
  br label %27

27:                                               ; preds = %26, %24
  %28 = phi i64 [ %25, %24 ], [ 1, %26 ]
  %29 = call noalias ptr @malloc(i64 noundef %28) #6
  store ptr %29, ptr %7, align 8
  store i32 1, ptr %8, align 4
  store i64 0, ptr %9, align 8
  br label %30

30:                                               ; preds = %55, %27
  %31 = load i64, ptr %9, align 8
  %32 = load i64, ptr %6, align 8
  %33 = icmp ult i64 %31, %32
  br i1 %33, label %34, label %58

34:                                               ; preds = %30
  %35 = load i32, ptr %8, align 4
  %36 = shl i32 %35, 13
  %37 = load i32, ptr %8, align 4
  %38 = xor i32 %37, %36
  store i32 %38, ptr %8, align 4
  %39 = load i32, ptr %8, align 4
  %40 = lshr i32 %39, 17
  %41 = load i32, ptr %8, align 4
  %42 = xor i32 %41, %40
  store i32 %42, ptr %8, align 4
  %43 = load i32, ptr %8, align 4
  %44 = shl i32 %43, 5
  %45 = load i32, ptr %8, align 4
  %46 = xor i32 %45, %44
  store i32 %46, ptr %8, align 4
  %47 = load i64, ptr %9, align 8
  %48 = trunc i64 %47 to i32
  %49 = load i32, ptr %8, align 4
  %50 = trunc i32 %49 to i8
  %51 = call zeroext i8 @mix(i32 noundef %48, i8 noundef zeroext %50)
  %52 = load ptr, ptr %7, align 8
  %53 = load i64, ptr %9, align 8
  %54 = getelementptr inbounds i8, ptr %52, i64 %53
  store i8 %51, ptr %54, align 1
  br label %55

55:                                               ; preds = %34
  %56 = load i64, ptr %9, align 8
  %57 = add i64 %56, 1
  store i64 %57, ptr %9, align 8
  br label %30, !llvm.loop !6

58:                                               ; preds = %30
  call void @init_table()
  store i32 0, ptr %10, align 4
  store i32 0, ptr %11, align 4
  br label %59

59:                                               ; preds = %67, %58
  %60 = load i32, ptr %11, align 4
  %61 = icmp slt i32 %60, 4
  br i1 %61, label %62, label %70

62:                                               ; preds = %59
  %63 = load ptr, ptr %7, align 8
  %64 = load i64, ptr %6, align 8
  %65 = load i32, ptr %10, align 4
  %66 = call i32 @crc32(ptr noundef %63, i64 noundef %64, i32 noundef %65)
  store i32 %66, ptr %10, align 4
  br label %67

67:                                               ; preds = %62
  %68 = load i32, ptr %11, align 4
  %69 = add nsw i32 %68, 1
  store i32 %69, ptr %11, align 4
  br label %59, !llvm.loop !8

70:                                               ; preds = %59
  %71 = load i64, ptr %6, align 8
  %72 = load i32, ptr %10, align 4
  %73 = call i32 (ptr, ...) @printf(ptr noundef @.str, i64 noundef %71, i32 noundef %72)
  %74 = load ptr, ptr %7, align 8
  call void @free(ptr noundef %74) #7
  ret i32 0
}

; Function Attrs: nounwind willreturn memory(read)
declare i64 @atol(ptr noundef) #1

; Function Attrs: nounwind allocsize(0)
declare noalias ptr @malloc(i64 noundef) #2

; Function Attrs: noinline nounwind uwtable
define internal zeroext i8 @mix(i32 noundef %0, i8 noundef zeroext %1) #0 {
  %3 = alloca i8, align 1
  %4 = alloca i32, align 4
  %5 = alloca i8, align 1
  store i32 %0, ptr %4, align 4
  store i8 %1, ptr %5, align 1
  %6 = load i32, ptr %4, align 4
  %7 = and i32 %6, 3
  switch i32 %7, label %27 [
    i32 0, label %8
    i32 1, label %13
    i32 2, label %18
  ]

8:                                                ; preds = %2
  %9 = load i8, ptr %5, align 1
  %10 = zext i8 %9 to i32
  %11 = add nsw i32 %10, 13
  %12 = trunc i32 %11 to i8
  store i8 %12, ptr %3, align 1
  br label %32

13:                                               ; preds = %2
  %14 = load i8, ptr %5, align 1
  %15 = zext i8 %14 to i32
  %16 = xor i32 %15, 90
  %17 = trunc i32 %16 to i8
  store i8 %17, ptr %3, align 1
  br label %32

18:                                               ; preds = %2
  %19 = load i8, ptr %5, align 1
  %20 = zext i8 %19 to i32
  %21 = shl i32 %20, 1
  %22 = load i8, ptr %5, align 1
  %23 = zext i8 %22 to i32
  %24 = ashr i32 %23, 7
  %25 = or i32 %21, %24
  %26 = trunc i32 %25 to i8
  store i8 %26, ptr %3, align 1
  br label %32

27:                                               ; preds = %2
  %28 = load i8, ptr %5, align 1
  %29 = zext i8 %28 to i32
  %30 = xor i32 %29, -1
  %31 = trunc i32 %30 to i8
  store i8 %31, ptr %3, align 1
  br label %32

32:                                               ; preds = %27, %18, %13, %8
  %33 = load i8, ptr %3, align 1
  ret i8 %33
}

; Function Attrs: noinline nounwind uwtable
define internal void @init_table() #0 {
  %1 = alloca i32, align 4
  %2 = alloca i32, align 4
  %3 = alloca i32, align 4
  store i32 0, ptr %1, align 4
  br label %4

4:                                                ; preds = %33, %0
  %5 = load i32, ptr %1, align 4
  %6 = icmp ult i32 %5, 256
  br i1 %6, label %7, label %36

7:                                                ; preds = %4
  %8 = load i32, ptr %1, align 4
  store i32 %8, ptr %2, align 4
  store i32 0, ptr %3, align 4
  br label %9

9:                                                ; preds = %25, %7
  %10 = load i32, ptr %3, align 4
  %11 = icmp slt i32 %10, 8
  br i1 %11, label %12, label %28

12:                                               ; preds = %9
  %13 = load i32, ptr %2, align 4
  %14 = and i32 %13, 1
  %15 = icmp ne i32 %14, 0
  br i1 %15, label %16, label %20

16:                                               ; preds = %12
  %17 = load i32, ptr %2, align 4
  %18 = lshr i32 %17, 1
  %19 = xor i32 -306674912, %18
  br label %23

20:                                               ; preds = %12
  %21 = load i32, ptr %2, align 4
  %22 = lshr i32 %21, 1
  br label %23

23:                                               ; preds = %20, %16
  %24 = phi i32 [ %19, %16 ], [ %22, %20 ]
  store i32 %24, ptr %2, align 4
  br label %25

25:                                               ; preds = %23
  %26 = load i32, ptr %3, align 4
  %27 = add nsw i32 %26, 1
  store i32 %27, ptr %3, align 4
  br label %9, !llvm.loop !9

28:                                               ; preds = %9
  %29 = load i32, ptr %2, align 4
  %30 = load i32, ptr %1, align 4
  %31 = zext i32 %30 to i64
  %32 = getelementptr inbounds [256 x i32], ptr @table, i64 0, i64 %31
  store i32 %29, ptr %32, align 4
  br label %33

33:                                               ; preds = %28
  %34 = load i32, ptr %1, align 4
  %35 = add i32 %34, 1
  store i32 %35, ptr %1, align 4
  br label %4, !llvm.loop !10

36:                                               ; preds = %4
  ret void
}

; Function Attrs: noinline nounwind uwtable
define internal i32 @crc32(ptr noundef %0, i64 noundef %1, i32 noundef %2) #0 {
  %4 = alloca ptr, align 8
  %5 = alloca i64, align 8
  %6 = alloca i32, align 4
  %7 = alloca i64, align 8
  store ptr %0, ptr %4, align 8
  store i64 %1, ptr %5, align 8
  store i32 %2, ptr %6, align 4
  %8 = load i32, ptr %6, align 4
  %9 = xor i32 %8, -1
  store i32 %9, ptr %6, align 4
  store i64 0, ptr %7, align 8
  br label %10

10:                                               ; preds = %29, %3
  %11 = load i64, ptr %7, align 8
  %12 = load i64, ptr %5, align 8
  %13 = icmp ult i64 %11, %12
  br i1 %13, label %14, label %32

14:                                               ; preds = %10
  %15 = load i32, ptr %6, align 4
  %16 = load ptr, ptr %4, align 8
  %17 = load i64, ptr %7, align 8
  %18 = getelementptr inbounds i8, ptr %16, i64 %17
  %19 = load i8, ptr %18, align 1
  %20 = zext i8 %19 to i32
  %21 = xor i32 %15, %20
  %22 = and i32 %21, 255
  %23 = zext i32 %22 to i64
  %24 = getelementptr inbounds [256 x i32], ptr @table, i64 0, i64 %23
  %25 = load i32, ptr %24, align 4
  %26 = load i32, ptr %6, align 4
  %27 = lshr i32 %26, 8
  %28 = xor i32 %25, %27
  store i32 %28, ptr %6, align 4
  br label %29

29:                                               ; preds = %14
  %30 = load i64, ptr %7, align 8
  %31 = add i64 %30, 1
  store i64 %31, ptr %7, align 8
  br label %10, !llvm.loop !11

32:                                               ; preds = %10
  %33 = load i32, ptr %6, align 4
  %34 = xor i32 %33, -1
  ret i32 %34
}

declare i32 @printf(ptr noundef, ...) #3

; Function Attrs: nounwind
declare void @free(ptr noundef) #4

attributes #0 = { noinline nounwind uwtable "frame-pointer"="all" "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #1 = { nounwind willreturn memory(read) "frame-pointer"="all" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #2 = { nounwind allocsize(0) "frame-pointer"="all" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #3 = { "frame-pointer"="all" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #4 = { nounwind "frame-pointer"="all" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #5 = { nounwind willreturn memory(read) }
attributes #6 = { nounwind allocsize(0) }
attributes #7 = { nounwind }

!llvm.module.flags = !{!0, !1, !2, !3, !4}
!llvm.ident = !{!5}

!0 = !{i32 1, !"wchar_size", i32 4}
!1 = !{i32 8, !"PIC Level", i32 2}
!2 = !{i32 7, !"PIE Level", i32 2}
!3 = !{i32 7, !"uwtable", i32 2}
!4 = !{i32 7, !"frame-pointer", i32 2}
!5 = !{!"Debian clang version 19.1.7 (3~deb12u1)"}
!6 = distinct !{!6, !7}
!7 = !{!"llvm.loop.mustprogress"}
!8 = distinct !{!8, !7}
!9 = distinct !{!9, !7}
!10 = distinct !{!10, !7}
!11 = distinct !{!11, !7}
